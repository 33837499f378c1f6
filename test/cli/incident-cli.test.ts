/**
 * `opsbook incident` against a running daemon (`--server/--token`, and OPSBOOK_SERVER /
 * OPSBOOK_TOKEN) and against the local store, and `opsbook incident review` writing the
 * post-incident review; `opsbook incident show` saying what holds an incident's pages.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertSilence, openStore } from '../../src/store/index.js';
import { runCli, serveCli, type ServedCli } from '../support/cli.js';
import { scaled } from '../support/timing.js';

describe('opsbook incident', () => {
  let config: string;
  let base: string;
  let token: string;
  let server: ServedCli | undefined;
  let incidentId: string;

  beforeAll(async () => {
    server = await serveCli('incident-cli', { 'ops.yaml': 'users:\n  - name: ana\n    role: responder\n  - name: vic\n    role: viewer\n' });
    ({ config, url: base } = server);
    token = (await runCli(['token', 'create', '--user', 'ana', '--config', config])).stdout.trim();
    const created = await fetch(`${base}/api/incidents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Email queue over 1000', severity: 'P2', service: 'nova' }),
    });
    expect(created.status).toBe(201);
    incidentId = ((await created.json()) as { id: string }).id;
  });

  afterAll(async () => {
    await server?.close();
  });

  it('refuses a --state or --severity that no incident can have, naming what can be, instead of listing none', async () => {
    for (const where of [['--server', base, '--token', token], ['--config', config]]) {
      const state = await runCli(['incident', 'list', '--state', 'acked', ...where]);
      expect(state.code, where[0]).toBe(2);
      expect(state.stderr).toContain('--state must be one of triggered, acknowledged, investigating, mitigated, resolved, reviewed, open (got "acked") → --state [OPSBOOK_E_USAGE]');
      const severity = await runCli(['incident', 'list', '--severity', 'p2', ...where]);
      expect(severity.code, where[0]).toBe(2);
      expect(severity.stderr, where[0]).toMatch(/no severity "p2" \(did you mean P2\?\): the severities are P1, P2, P3, P4 .*\[OPSBOOK_E_(USAGE|REQUEST_INVALID)\]/);
      expect(severity.stdout).toBe('');
    }
    const api = await fetch(`${base}/api/incidents?severity=p2`, { headers: { authorization: `Bearer ${token}` } });
    expect(api.status).toBe(400);
    expect(((await api.json()) as { error: { message: string; path?: string } }).error).toMatchObject({ message: expect.stringContaining('no severity "p2"'), path: 'query.severity' });
  });

  it('lists and acknowledges through a running daemon with --server and --token', async () => {
    const list = await runCli(['incident', 'list', '--server', base, '--token', token, '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as Array<{ id: string; severity: string }>).map((i) => [i.id, i.severity])).toEqual([[incidentId, 'P2']]);
    const ack = await runCli(['incident', 'ack', incidentId, '--note', 'looking'], { env: { OPSBOOK_SERVER: base, OPSBOOK_TOKEN: token } });
    expect(ack.code, ack.stderr).toBe(0);
    expect(ack.stdout).toContain('acknowledged');
  });

  it('gives an incident a title of its own, through the daemon and on the local store', async () => {
    const remote = await runCli(['incident', 'title', incidentId, 'Email queue backs up', '--server', base, '--token', token]);
    expect(remote.code, remote.stderr).toBe(0);
    expect(remote.stdout).toBe(`${incidentId} is now titled "Email queue backs up"\n`);
    const local = await runCli(['incident', 'title', incidentId, 'Email queue over 1000', '--config', config, '--as', 'ana']);
    expect(local.code, local.stderr).toBe(0);
    expect(local.stdout).toBe(`${incidentId} is now titled "Email queue over 1000"\n`);
    const empty = await runCli(['incident', 'title', incidentId, ' ', '--config', config, '--as', 'ana']);
    expect(empty.code).not.toBe(0);
    expect(empty.stderr).toContain('OPSBOOK_E_INCIDENT_INVALID');
  });

  it('reports the daemon’s own error code and refuses a viewer acting', async () => {
    const viewer = (await runCli(['token', 'create', '--user', 'vic', '--config', config])).stdout.trim();
    const r = await runCli(['incident', 'resolve', incidentId, '--server', base, '--token', viewer]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('OPSBOOK_E_FORBIDDEN');
  });

  it('notes and resolves on the local store, then writes the review', async () => {
    const note = await runCli(['incident', 'note', incidentId, 'follow-up: alert on queue growth rate', '--config', config, '--as', 'ana']);
    expect(note.code, note.stderr).toBe(0);
    const resolved = await runCli(['incident', 'resolve', incidentId, '--config', config, '--as', 'ana']);
    expect(resolved.code, resolved.stderr).toBe(0);
    expect(resolved.stdout).toBe(`${incidentId} is now resolved\n`);
    // Resolving again (the alerts got there first, or a colleague) changes nothing, and says so, locally and through the daemon.
    const again = await runCli(['incident', 'resolve', incidentId, '--config', config, '--as', 'ana']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`^${incidentId} was already resolved \\(since \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\); nothing changed\\n$`));
    const remote = await runCli(['incident', 'resolve', incidentId, '--server', base, '--token', token]);
    expect(remote.code, remote.stderr).toBe(0);
    expect(remote.stdout).toMatch(new RegExp(`^${incidentId} was already resolved `));
    const review = await runCli(['incident', 'review', incidentId, '--config', config]);
    expect(review.code, review.stderr).toBe(0);
    expect(review.stdout).toContain('# Post-incident review: Email queue over 1000');
    expect(review.stdout).toMatch(/time to acknowledge \| \d+ (ms|s|min)( \d+ s)? \| 1h, due \S+Z \(within target\)/);
    expect(review.stdout).toMatch(/^\| alert on queue growth rate \| \w+ \| YYYY-MM-DD \|$/m); // an action item with its owner and a due date to fill
    expect(review.stdout).toMatch(/\*\*status\*\* ana: acknowledged/);
  });
});

describe('opsbook incident show: what holds an incident\'s pages', () => {
  const HOUR = 3_600_000;
  // Whole seconds, as ops.yaml writes instants.
  const now = Math.floor(Date.now() / 1000) * 1000;
  const instant = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
  const ends = now + 2 * HOUR;
  let server: ServedCli | undefined;
  let token: string;
  const ids: Record<'db' | 'web' | 'mail', string> = { db: '', web: '', mail: '' };

  beforeAll(async () => {
    server = await serveCli('incident-held', {
      'ops.yaml': `storage:
  url: opsbook.db
users:
  - { name: ana, role: responder }
services:
  - { id: db }
  - { id: web }
  - { id: mail }
maintenance:
  - id: db-upgrade
    services: [db]
    start: "${instant(now - HOUR)}"
    end: "${instant(ends)}"
    comment: Postgres 16 upgrade
silences:
  - id: quiet-web
    matchers: [{ label: service, value: web }]
    starts: "${instant(now - HOUR)}"
    ends: "${instant(ends)}"
    created_by: ana
    comment: load test
`,
    });
    token = (await runCli(['token', 'create', '--user', 'ana', '--config', server.config])).stdout.trim();
    // A silence an older opsbook stored, before silences that take in this much were refused: it holds every incident without a team label.
    const store = await openStore({ url: path.join(server.dir, 'opsbook.db') });
    try {
      const matchers = JSON.stringify({ matchers: [{ label: 'team', op: '=', value: '' }], onEnd: 'notify_if_firing' });
      await insertSilence(store.db, { id: 'sil_old_team', matchers, starts_at: now - HOUR, ends_at: ends, created_by: 'ana', created_at: now - HOUR, comment: 'db migration', expired_at: null });
    } finally {
      await store.close();
    }
    for (const service of ['db', 'web', 'mail'] as const) {
      const created = await fetch(`${server.url}/api/incidents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: `${service} is slow`, severity: 'P2', service }),
      });
      expect(created.status).toBe(201);
      ids[service] = ((await created.json()) as { id: string }).id;
      // The hold is recorded as the pipeline opens the incident's page.
      const deadline = Date.now() + scaled(30_000);
      const heldBy = async () => ((await (await fetch(`${server!.url}/api/incidents/${ids[service]}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { heldBy?: { id: string } }).heldBy;
      while (!(await heldBy())) {
        if (Date.now() > deadline) throw new Error(`incident ${ids[service]} of ${service} was not held within ${scaled(30_000)} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }, scaled(120_000));

  afterAll(async () => {
    await server?.close();
  });

  const show = async (id: string, where: 'server' | 'local', json = false) => {
    const args = ['incident', 'show', id, ...(where === 'server' ? ['--server', server!.url, '--token', token] : ['--config', server!.config]), ...(json ? ['--json'] : [])];
    const run = await runCli(args);
    expect(run.code, run.stderr).toBe(0);
    return run.stdout;
  };

  it('names the maintenance window holding the pages, until when, what happens at its end and why, through the daemon and on the local store', async () => {
    for (const where of ['server', 'local'] as const) {
      const lines = (await show(ids.db, where)).split('\n');
      expect(lines, where).toContain(`held by: maintenance window db-upgrade until ${instant(ends)} (at its end: notify_if_firing) — Postgres 16 upgrade`);
      // Under the incident's line and its runbook, above the timeline.
      expect(lines.findIndex((l) => l.startsWith('held by: ')), where).toBe(1);
    }
  });

  it('marks every held incident in the list with what holds its pages and until when, through the daemon and on the local store', async () => {
    for (const where of ['server', 'local'] as const) {
      const run = await runCli(['incident', 'list', ...(where === 'server' ? ['--server', server!.url, '--token', token] : ['--config', server!.config])]);
      expect(run.code, run.stderr).toBe(0);
      const lines = run.stdout.split('\n');
      const of = (id: string) => lines.find((l) => l.startsWith(`${id}  `));
      expect(of(ids.db), where).toMatch(new RegExp(`  db is slow  \\(pages held by maintenance window db-upgrade until ${instant(ends)}\\)$`));
      expect(of(ids.web), where).toMatch(new RegExp(`  web is slow  \\(pages held by silence quiet-web until ${instant(ends)}\\)$`));
    }
  });

  it('names the silence holding them, and says when that silence takes in more than opsbook accepts now', async () => {
    for (const where of ['server', 'local'] as const) {
      expect(await show(ids.web, where), where).toContain(`\nheld by: silence quiet-web until ${instant(ends)} (at its end: notify_if_firing) — load test\n`);
      const mail = await show(ids.mail, where);
      expect(mail, where).toContain(`\nheld by: silence sil_old_team until ${instant(ends)} (at its end: notify_if_firing) — db migration\n  warning: that silence takes in more than opsbook accepts now `);
      expect(mail, where).toMatch(/\n {2}warning: that silence takes in more .*team="" matches every incident without a "team" label/);
    }
  });

  it('carries the hold in --json as the API gives it', async () => {
    for (const where of ['server', 'local'] as const) {
      const { incident } = JSON.parse(await show(ids.mail, where, true)) as { incident: { heldBy?: Record<string, unknown> } };
      expect(incident.heldBy, where).toMatchObject({ kind: 'silence', id: 'sil_old_team', until: ends, onEnd: 'notify_if_firing', comment: 'db migration', warning: expect.stringMatching(/^takes in more than opsbook accepts now/) });
      const db = JSON.parse(await show(ids.db, where, true)) as { incident: { heldBy?: Record<string, unknown> } };
      expect(db.incident.heldBy, where).toEqual({ kind: 'maintenance', id: 'db-upgrade', until: ends, onEnd: 'notify_if_firing', comment: 'Postgres 16 upgrade' });
    }
  });
});
