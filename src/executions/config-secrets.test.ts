/**
 * Credentials the config hands to steps — `shell.env` values, `http.hosts` headers, the passwords of
 * the PostgreSQL and Redis URLs — are masked like secret parameters wherever a step is recorded:
 * transcript rows, the stored plan, the audit log and the incident's timeline, on both stores. Real
 * parts: bash running `env`, a loopback server echoing the headers it got, the shared PostgreSQL
 * refusing a database that does not exist, a private redis-server with a password.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { findExecution, insertIncident, listAudit, listExecutionEntries, listTimeline } from '../store/index.js';
import { postgresUp } from '../../test/support/services.js';
import { startPrivateRedis, type PrivateRedis } from '../../test/support/private-redis.js';
import { storeTargets } from '../../test/support/store-targets.js';
import { storeIncidentLink } from './incident-link.js';
import { MASK } from './params.js';
import { ExecutionService } from './service.js';
import { harness, responder, type Harness } from './test-support.js';

const pgOk = await postgresUp();

const PG_PASSWORD = 'pg-Pass-4417';
const DB_PASSWORD = 'db:p@ss/w0rd#9';
const DB_PASSWORD_ENCODED = encodeURIComponent(DB_PASSWORD);
const STRIPE_KEY = 'sk_live_51HqQ8xkz';
const BEARER = 'eyJhbGciOi.tok-7781';
const API_KEY = 'ak-0c9e44f2';
const SESSION = 'sess-5f1d20';
const SQL_PASSWORD = 'Sql-S3cret-2209';
const REDIS_PASSWORD = 'R3dis-S3cret-55';
const SECRETS = [PG_PASSWORD, DB_PASSWORD, DB_PASSWORD_ENCODED, STRIPE_KEY, BEARER, API_KEY, SESSION, SQL_PASSWORD, REDIS_PASSWORD];

const RUNBOOK = [
  '# Secrets',
  '',
  '## RB-1: Environment',
  '',
  '**Diagnosis:**',
  '```bash',
  'env',
  'echo "pg=$PGPASSWORD url=$DATABASE_URL"',
  '```',
  '',
  '## RB-2: Echo',
  '',
  '**Diagnosis:**',
  '```bash',
  'curl -s -i http://api.internal/echo',
  '```',
  '',
  '## RB-3: Database',
  '',
  '**Diagnosis:**',
  '```sql',
  'SELECT count(*) FROM pg_stat_activity;',
  '```',
  '',
  '## RB-4: Redis',
  '',
  '**Diagnosis:**',
  '```bash',
  'redis-cli CONFIG GET requirepass',
  '```',
  '',
].join('\n');

const leaked = (text: string): string[] => SECRETS.filter((s) => text.includes(s));

describe.each(storeTargets('opsbook_mask', { migrated: true }))('config credentials are masked in what a step records ($name store)', (target) => {
  const skip = target.name === 'postgres' && !pgOk;
  let h: Harness;
  let service: ExecutionService;
  let db: { url: string; cleanup: () => Promise<void> } | undefined;
  let echo: http.Server;
  let redis: PrivateRedis;
  const seen: http.IncomingHttpHeaders[] = [];
  beforeAll(async () => {
    if (skip) return;
    db = await target.open();
    echo = http.createServer((req, res) => {
      seen.push(req.headers);
      res.setHeader('content-type', 'application/json');
      res.setHeader('x-echo-authorization', req.headers.authorization ?? '');
      res.end(JSON.stringify({ headers: req.headers }));
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    redis = await startPrivateRedis();
    const admin = new Redis(redis.url);
    await admin.call('CONFIG', 'SET', 'requirepass', REDIS_PASSWORD);
    admin.disconnect();
    h = await harness({
      storeUrl: db.url,
      config: {
        services: [
          {
            id: 'billing',
            base_url: `http://127.0.0.1:${(echo.address() as AddressInfo).port}`,
            aliases: ['api.internal'],
            postgres: { url: `postgres://postgres:${SQL_PASSWORD}@127.0.0.1:5432/opsbook_mask_no_such_db` },
            redis: { url: `redis://:${REDIS_PASSWORD}@127.0.0.1:${redis.port}/0` },
            shell: {
              cwd: '.',
              env: { PGPASSWORD: PG_PASSWORD, DATABASE_URL: `postgres://app:${DB_PASSWORD_ENCODED}@db.internal:5432/billing`, STRIPE_KEY, PGHOST: 'db.internal' },
            },
            http: { hosts: [{ host: 'api.internal', headers: { Authorization: `Bearer ${BEARER}`, 'X-Api-Key': API_KEY, Cookie: `session=${SESSION}`, 'X-Trace': 'trace-visible' } }] },
          },
        ],
      },
      runbooks: [{ file: 's.md', text: RUNBOOK }],
    });
    service = new ExecutionService({ ...h.service.deps, incidents: storeIncidentLink(h.store) });
    const now = h.clock.now();
    await insertIncident(h.store.db, {
      id: 'inc_mask', title: 'Billing down', state: 'triggered', severity: 'sev2', service: 'billing', source: 'alert', opened_at: now, updated_at: now,
      acknowledged_at: null, resolved_at: null, response_due_at: null, response_from: null, labels: JSON.stringify({ service: 'billing' }), runbook: null,
      created_by: 'system:rules', reopened: 0, held_notification: null,
    });
  });
  afterAll(async () => {
    await h?.cleanup();
    await db?.cleanup();
    await redis?.stop();
    if (echo) await new Promise((r) => echo.close(r));
  });

  /** Runs the procedure's one step inside the incident; answers its entry and everything stored about it. */
  const runOne = async (procedure: string) => {
    const { id } = await service.start(procedure, responder, { incidentId: 'inc_mask' });
    const result = await service.runStep(id, 1, responder);
    await service.finish(id, responder);
    const entry = result.entries[0]!;
    const output = result.entries.map((e) => e.stdout).join('');
    const stored = [
      JSON.stringify(await listExecutionEntries(h.store.db, id)),
      JSON.stringify(await findExecution(h.store.db, id)),
      JSON.stringify(await service.get(id)),
      JSON.stringify(await service.transcript(id)),
      JSON.stringify(await listAudit(h.store.db, { subject: `execution:${id}` })),
      JSON.stringify((await listTimeline(h.store.db, 'inc_mask')).filter((t) => t.data.includes(id))),
      JSON.stringify(h.logs),
    ].join('\n');
    return { entry, entries: result.entries, output, stored };
  };

  it.skipIf(skip)('a shell step printing its environment: shell.env credentials and a URL password, decoded or encoded', async () => {
    const { entries, output, stored } = await runOne('s.md#RB-1');
    expect(entries.map((e) => e.status)).toEqual(['ok', 'ok']);
    expect(output).toContain(`PGPASSWORD=${MASK}\n`);
    expect(output).toContain(`STRIPE_KEY=${MASK}\n`);
    expect(output).toContain(`DATABASE_URL=postgres://app:${MASK}@db.internal:5432/billing\n`);
    expect(output).toContain('PGHOST=db.internal\n');
    expect(output).toContain(`pg=${MASK} url=postgres://app:${MASK}@db.internal:5432/billing\n`);
    // The command as shown (plan, transcript, timeline) binds the service's values, credentials masked.
    expect(entries[1]!.text).toBe(`echo "pg=${MASK} url=postgres://app:${MASK}@db.internal:5432/billing"`);
    expect(leaked(stored)).toEqual([]);
  });

  it.skipIf(skip)('an HTTP step against a server echoing its headers: the configured credentials, not the other headers', async () => {
    const { entry, stored } = await runOne('s.md#RB-2');
    expect(entry.status, entry.stderr).toBe('ok');
    // They were sent as configured.
    expect(seen.at(-1)).toMatchObject({ authorization: `Bearer ${BEARER}`, 'x-api-key': API_KEY, cookie: `session=${SESSION}`, 'x-trace': 'trace-visible' });
    expect(entry.stdout).toContain(`x-echo-authorization: ${MASK}`);
    expect(entry.stdout).toContain(`"authorization":"${MASK}"`);
    expect(entry.stdout).toContain(`"x-api-key":"${MASK}"`);
    expect(entry.stdout).toContain(`"x-trace":"trace-visible"`);
    expect(entry.text).toContain(`-H 'Authorization: ${MASK}'`);
    expect(leaked(stored)).toEqual([]);
  });

  it.skipIf(skip)('a SQL step whose database does not exist: the error, and nothing of the URL’s password', async () => {
    const { entry, stored } = await runOne('s.md#RB-3');
    expect(entry.status).toBe('failed');
    expect(entry.stderr).toMatch(/opsbook_mask_no_such_db/);
    expect(leaked(stored)).toEqual([]);
  });

  it.skipIf(skip)('a Redis step reading the server’s password back: the Redis URL’s password', async () => {
    const { entry, stored } = await runOne('s.md#RB-4');
    expect(entry.status, entry.stderr).toBe('ok');
    expect(entry.stdout).toBe(`1) "requirepass"\n2) "${MASK}"\n`);
    expect(leaked(stored)).toEqual([]);
  });
});
