/**
 * Credentials an ops.yaml gives runbook steps through `${VAR}` — a `shell.env` password and token, an
 * `http.hosts` Authorization header, a variable named like a credential under an ordinary name or
 * inside a longer value (`DB_CONN: "${DATABASE_PASSWORD}"`) — never reach what the API and the web
 * UI show of an execution, nor the incident's timeline or the audit log, when a step prints its
 * environment or a loopback server echoes the headers back. A real daemon, on SQLite and PostgreSQL.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setUserPassword } from '../../src/http/sessions/index.js';
import { apiTokens, startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { postgresUp } from '../support/services.js';
import { storeTargets } from '../support/store-targets.js';
import { PASSWORD, signIn, TEST_COST, type SignedIn } from '../ui/support.js';

const pg = await postgresUp();
const MASK = '********';
const ENV = { T_PG_PASSWORD: 'pg-Pass-8812', T_DEPLOY_TOKEN: 'dpl_4f0c2a9e71', T_SEARCH_BEARER: 'srch.tok-3307', T_DATABASE_PASSWORD: 'dbPw-77120', T_STRIPE_API_KEY: 'sk_live_5v1q' };
const SECRETS = Object.values(ENV);

const RUNBOOK = [
  '# Billing',
  '',
  '## RB-1: Look around',
  '',
  '**Diagnosis:**',
  '',
  '1. The environment',
  '   ```bash',
  '   env',
  '   ```',
  '2. What the search proxy receives',
  '   ```bash',
  '   curl -s -i http://search.internal/echo',
  '   ```',
  '',
].join('\n');

for (const target of storeTargets('opsbook-execution-secrets', { migrated: true })) {
  describe.skipIf(target.name === 'postgres' && !pg)(`execution secrets from the config through the API on ${target.name}`, () => {
    let server: DaemonApp;
    let echo: http.Server;
    let db: { url: string; cleanup: () => Promise<void> };
    let tok: Record<string, string>;
    let ana: SignedIn;

    beforeAll(async () => {
      db = await target.open();
      echo = http.createServer((req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ authorization: req.headers.authorization ?? null }));
      });
      await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
      server = await startDaemonApp(
        'execution-secrets',
        {
          'ops.yaml':
            `storage:\n  url: ${JSON.stringify(db.url)}\n` +
            'users:\n  - { name: ana, role: responder }\n  - { name: adm, role: admin }\n' +
            'severities:\n  - { id: P1, name: High, response: 1h }\n' +
            'runbooks: [runbooks/billing.md]\n' +
            'procedures:\n  "runbooks/billing.md#RB-1": { service: billing }\n' +
            'services:\n' +
            '  - id: billing\n' +
            `    base_url: http://127.0.0.1:${(echo.address() as AddressInfo).port}\n` +
            '    aliases: [search.internal]\n' +
            '    shell:\n      cwd: .\n      env: { PGPASSWORD: "${T_PG_PASSWORD}", DEPLOY_TOKEN: "${T_DEPLOY_TOKEN}", PGHOST: db.internal, DB_CONN: "${T_DATABASE_PASSWORD}", BILLING_OPTS: "mode=live key=${T_STRIPE_API_KEY}" }\n' +
            '    http:\n      hosts:\n        - { host: search.internal, headers: { Authorization: "Bearer ${T_SEARCH_BEARER}" } }\n',
          'runbooks/billing.md': RUNBOOK,
        },
        { env: { ...process.env, ...ENV } },
      );
      tok = await apiTokens(server.daemon, 'adm', ['ana', 'adm']);
      await setUserPassword({ store: server.daemon.store, clock: server.daemon.clock, users: server.daemon.config.users }, { name: 'adm', role: 'admin', via: 'cli' }, 'ana', PASSWORD, TEST_COST);
      ana = await signIn(server.app, 'ana');
    });
    afterAll(async () => {
      await server?.close();
      if (echo) await new Promise((r) => echo.close(r));
      await db?.cleanup();
    });

    const call = async <T>(method: 'GET' | 'POST', url: string, payload?: object): Promise<{ status: number; body: string; json: T }> => {
      const res = await server.app.inject({ method, url, headers: { authorization: `Bearer ${tok.ana}` }, ...(method === 'POST' ? { payload: payload ?? {} } : {}) });
      return { status: res.statusCode, body: res.body, json: res.json() as T };
    };

    it('masks them in the execution, its timeline, its page and the audit log, while the steps got them', async () => {
      const incident = await call<{ id: string }>('POST', '/api/incidents', { title: 'Billing slow', severity: 'P1', service: 'billing' });
      expect(incident.status, incident.body).toBe(201);
      const started = await call<{ id: string }>('POST', '/api/executions', { procedure: 'runbooks/billing.md#RB-1', incident: incident.json.id });
      expect(started.status, started.body).toBe(201);
      const id = started.json.id;
      const shell = await call<{ status: string; entries: { stdout: string }[] }>('POST', `/api/executions/${id}/steps/1/run`, {});
      expect(shell.json.status, shell.body).toBe('ok');
      const web = await call<{ status: string; entries: { stdout: string }[] }>('POST', `/api/executions/${id}/steps/2/run`, {});
      expect(web.json.status, web.body).toBe('ok');
      // The step ran with the real values; what is recorded of it shows the mask.
      expect(shell.json.entries[0]!.stdout).toContain(`PGPASSWORD=${MASK}\n`);
      expect(shell.json.entries[0]!.stdout).toContain(`DEPLOY_TOKEN=${MASK}\n`);
      expect(shell.json.entries[0]!.stdout).toContain('PGHOST=db.internal\n');
      expect(shell.json.entries[0]!.stdout).toContain(`DB_CONN=${MASK}\n`);
      expect(shell.json.entries[0]!.stdout).toContain(`BILLING_OPTS=mode=live key=${MASK}\n`);
      expect(web.json.entries[0]!.stdout).toContain(JSON.stringify({ authorization: MASK }));

      const shown = await call<{ transcript: unknown[] }>('GET', `/api/executions/${id}`);
      expect(shown.json.transcript).toHaveLength(2);
      const timeline = await call<{ timeline: { kind: string; text: string }[] }>('GET', `/api/incidents/${incident.json.id}/timeline`);
      expect(timeline.json.timeline.filter((t) => t.kind === 'execution').map((t) => t.text).join('\n')).toMatch(/step 1\.1 ok[\s\S]*step 2\.1 ok/);
      const page = await server.app.inject({ url: `/incidents/${incident.json.id}`, headers: { cookie: ana.cookie } });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain(`PGPASSWORD=${MASK}`);
      const own = await server.app.inject({ url: `/executions/${id}`, headers: { cookie: ana.cookie } });
      expect(own.statusCode).toBe(200);
      expect(own.body).toContain(`PGPASSWORD=${MASK}`);
      const audit = await server.app.inject({ url: '/api/audit?limit=500', headers: { authorization: `Bearer ${tok.adm}` } });
      expect(audit.statusCode, audit.body).toBe(200);
      for (const [what, text] of [['execution', shown.body], ['timeline', timeline.body], ['page', page.body], ['execution page', own.body], ['audit', audit.body], ['run', shell.body + web.body]] as const) {
        expect(SECRETS.filter((s) => text.includes(s)), what).toEqual([]);
      }
    });
  });
}
