/**
 * The daemon keeps answering while a request's write waits for another process's write lock on
 * the SQLite file: its health endpoints and a read of the API answer at once, over HTTP on a
 * loopback port, while the acknowledge still waits — a token's first use and a browser session's
 * page too, whose recorded use is a write not waited for; once the other process lets go, the
 * acknowledge goes through.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertIncident } from '../../src/store/index.js';
import { exited, sleep, startChild } from '../support/crash.js';
import { apiTokens, listenOnLoopback } from '../support/daemon-app.js';
import { signIn, startUi, type UiHarness } from '../ui/support.js';

describe('the daemon while a write waits for another process’s lock on its SQLite store', () => {
  let h: UiHarness;
  let base: string;
  let token: string;
  let unusedToken: string;
  let holder: ChildProcess | undefined;
  let release: string;

  beforeAll(async () => {
    h = await startUi({ yaml: 'storage:\n  url: ./opsbook.db\n', operations: true });
    base = await listenOnLoopback(h.app);
    release = path.join(h.dir, 'release');
    token = (await apiTokens(h.daemon, 'admin-user', ['responder-user']))['responder-user']!;
    unusedToken = (await apiTokens(h.daemon, 'admin-user', ['responder-user']))['responder-user']!;
    const now = h.daemon.clock.now();
    await insertIncident(h.daemon.store.db, {
      id: 'inc_wait', title: 'Queue inc_wait backed up', state: 'triggered', severity: 'P2', service: 'web', source: 'alert', opened_at: now, updated_at: now,
      acknowledged_at: null, resolved_at: null, response_due_at: null, response_from: null, labels: '{}', runbook: null, created_by: 'system:rules', reopened: 0, held_notification: null,
    });
  });
  afterAll(async () => {
    if (holder) {
      fs.writeFileSync(release, '');
      await exited(holder);
    }
    await h?.close();
  });

  it('answers /_health/live, /_health/ready and GET /api/incidents/:id while an acknowledge waits, then acknowledges once the lock is let go', async () => {
    const auth = { authorization: `Bearer ${token}` };
    // A token's first use in a minute records it (a write of its own); done here, before the lock is
    // taken, so the acknowledge's write is its transaction alone and the reads below write nothing.
    expect((await fetch(`${base}/api/incidents/inc_wait`, { headers: auth })).status).toBe(200);
    // A browser session last seen two minutes ago: its next page records it (a write of its own).
    const { cookie } = await signIn(h.app, 'responder-user');
    await h.daemon.store.db.updateTable('ui_sessions').set((eb) => ({ last_seen_at: eb('last_seen_at', '-', 120_000) })).execute();
    holder = await startChild('test/store/write-lock-holder.ts', [path.join(h.dir, 'opsbook.db')]);
    let ackEnded = false;
    const ack = fetch(`${base}/api/incidents/inc_wait/acknowledge`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{}' })
      .then(async (r) => ({ status: r.status, body: await r.text() }))
      .finally(() => (ackEnded = true));
    // Give the acknowledge about a second to reach the store and meet the lock.
    let ticks = 0;
    const interval = setInterval(() => ticks++, 50);
    try {
      while (!ackEnded && ticks < 20) await sleep(20);
    } finally {
      clearInterval(interval);
    }

    const answered: Array<{ url: string; status: number; ackStillWaiting: boolean }> = [];
    for (const url of ['/_health/live', '/_health/ready', '/api/incidents/inc_wait']) {
      const res = await fetch(`${base}${url}`, { headers: auth });
      answered.push({ url, status: res.status, ackStillWaiting: !ackEnded });
    }
    // A token used for the first time records its use, a write: the read does not wait for it.
    const firstUse = await fetch(`${base}/api/incidents/inc_wait`, { headers: { authorization: `Bearer ${unusedToken}` } });
    answered.push({ url: 'first use of a token', status: firstUse.status, ackStillWaiting: !ackEnded });
    const page = await fetch(`${base}/incidents/inc_wait`, { headers: { cookie } });
    answered.push({ url: 'a page of a session last seen 2 min ago', status: page.status, ackStillWaiting: !ackEnded });
    expect(answered).toEqual([
      { url: '/_health/live', status: 200, ackStillWaiting: true },
      { url: '/_health/ready', status: 200, ackStillWaiting: true },
      { url: '/api/incidents/inc_wait', status: 200, ackStillWaiting: true },
      { url: 'first use of a token', status: 200, ackStillWaiting: true },
      { url: 'a page of a session last seen 2 min ago', status: 200, ackStillWaiting: true },
    ]);

    fs.writeFileSync(release, '');
    await exited(holder);
    holder = undefined;
    const acked = await ack;
    expect(acked.status, acked.body).toBe(200);
    expect((await h.daemon.store.db.selectFrom('incidents').select('state').where('id', '=', 'inc_wait').executeTakeFirstOrThrow()).state).toBe('acknowledged');
    // Its use was recorded once the lock was let go.
    for (let i = 0; i < 250; i++) {
      const used = await h.daemon.store.db.selectFrom('api_tokens').select('last_used_at').where('last_used_at', 'is not', null).execute();
      if (used.length === 2) break;
      await sleep(20);
    }
    expect((await h.daemon.store.db.selectFrom('api_tokens').select('last_used_at').execute()).map((r) => r.last_used_at !== null)).toEqual([true, true]);
  });
});
