/**
 * The events API under a burst, through a real daemon process (test/torture/daemon-child.ts, wired
 * as `opsbook serve` is) on SQLite and on PostgreSQL: alerts that arrive together are committed
 * together (group commit) and each request is answered 202 only once its alert has committed. One
 * alert the store refuses (a real trigger on `incidents`) fails its own request, not the others of
 * its group. The daemon is killed with SIGKILL the moment the last answer arrives: every alert
 * answered 202 is in the store with its incident, its escalation and its page's outbox row.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventDedupKey } from '../../src/alerts/index.js';
import { startReceiver, testSecret, type Receiver } from '../../src/notify/test-support.js';
import { openStore, type Store } from '../../src/store/index.js';
import { kill9, startChild } from '../support/crash.js';
import { refuseWrites } from '../support/store-faults.js';
import { storeTargets } from '../support/store-targets.js';
import { postgresUp } from '../support/services.js';
import { scaled } from '../support/timing.js';

const KEY = 'ev-key-0123456789abcdef0123456789';
const T0 = Date.parse('2026-03-02T10:00:00Z');
/** Requests sent at once: more than one group commit's worth (GROUP_COMMIT_MAX is 64). */
const BURST = 96;

const pgUp = await postgresUp();

for (const target of storeTargets('opsbook-events-commit', { migrated: true })) {
  describe.skipIf(target.name === 'postgres' && !pgUp)(`a burst of events on ${target.name}`, () => {
    let dir: string;
    let url: string;
    let cleanup: () => Promise<void>;
    let store: Store;
    let receiver: Receiver;
    let child: ChildProcess | undefined;

    beforeAll(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-events-commit-'));
      ({ url, cleanup } = await target.open());
      store = await openStore({ url });
      await store.migrate();
      receiver = await startReceiver();
      fs.writeFileSync(
        path.join(dir, 'ops.yaml'),
        `storage:
  url: "${url}"
  data_dir: "${dir}/data"
integrations:
  - { id: ev, kind: events, key: ${KEY} }
severities:
  - { id: P1, response: 15m, group_within: 0s }
  - { id: P2, response: 1h }
channels:
  - { id: hook, kind: webhook, url: "${receiver.url}", secrets: ["${testSecret(7)}"] }
escalation_policies:
  - id: default
    steps:
      - targets: [{ channel: hook }]
        timeout: 1h
`,
      );
    }, scaled(60_000));

    afterAll(async () => {
      if (child) await kill9(child);
      await store?.close();
      await receiver?.close();
      await cleanup?.();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    }, scaled(60_000));

    it('answers each alert 202 only once it is committed, one refused alert failing only its own request', async () => {
      // The store refuses one alert's incident: a real error inside the group's transaction.
      const heal = await refuseWrites(store.db, target.name, 'incidents', { when: "new.title = 'refused-by-store'" });
      const lines: string[] = [];
      child = await startChild('test/torture/daemon-child.ts', [path.join(dir, 'ops.yaml'), String(T0)], (l) => lines.push(l));
      const api = lines.find((l) => l.startsWith('api '))!.slice(4).replace(/\/$/, '');
      const trigger = async (dedup: string, summary = dedup): Promise<number> => {
        const r = await fetch(`${api}/api/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ routing_key: KEY, event_action: 'trigger', dedup_key: dedup, payload: { summary, source: 'burst', severity: 'critical' } }),
        });
        await r.arrayBuffer();
        return r.status;
      };
      const keys = Array.from({ length: BURST }, (_, i) => `burst-${i}`);
      // All sent before any is answered; the refused one in the middle of the first group.
      const answers = await Promise.all(keys.map((k, i) => (i === 10 ? trigger(k, 'refused-by-store') : trigger(k))));
      // The moment every answer is in: no clean stop, nothing flushed after the answers.
      await kill9(child);
      child = undefined;
      await heal();

      expect(answers[10]).not.toBe(202);
      const answered = keys.filter((_, i) => answers[i] === 202);
      expect(answered).toHaveLength(BURST - 1);

      const alerts = await store.db
        .selectFrom('incident_alerts')
        .innerJoin('incidents', 'incidents.id', 'incident_alerts.incident_id')
        .select(['incident_alerts.dedup_key as dedup', 'incidents.id as incident', 'incidents.state as state'])
        .execute();
      const byKey = new Map(alerts.map((a) => [a.dedup, a]));
      for (const k of answered) expect(byKey.get(eventDedupKey('ev', k))?.state, `alert ${k} answered 202`).toBe('triggered');
      expect(byKey.has(eventDedupKey('ev', keys[10]!))).toBe(false);
      expect(alerts).toHaveLength(BURST - 1);
      // Each incident's escalation and first page committed with it.
      const incidents = alerts.map((a) => a.incident);
      const escalations = await store.db.selectFrom('escalations').select('incident_id').where('incident_id', 'in', incidents).execute();
      expect(new Set(escalations.map((e) => e.incident_id)).size).toBe(BURST - 1);
      const pages = await store.db.selectFrom('outbox').select('incident_id').where('incident_id', 'in', incidents).execute();
      expect(new Set(pages.map((p) => p.incident_id)).size).toBe(BURST - 1);
    }, scaled(120_000));
  });
}
