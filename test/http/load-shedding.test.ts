/**
 * A storm of unique alerts against `opsbook serve` (a real process, so the storm and the daemon do
 * not share an event loop): ingest admits a bounded backlog and answers 429 with Retry-After past
 * it, while an acknowledgement and /_health/* are answered before the storm drains; the storm
 * groups into a handful of incidents, each paged once.
 *
 * The backlog is made to build whatever the machine's speed: the store is PostgreSQL and, while the
 * storm arrives, the test holds a lock on the incidents table, so the pipeline's first group waits
 * on it and nothing drains until the first 429 has come back (on a loaded machine the sender could
 * otherwise be slower than the pipeline, and no request would ever find the backlog full).
 */
import http from 'node:http';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../src/identity/index.js';
import { SystemClock } from '../../src/lib/clock.js';
import { startReceiver, type Receiver } from '../../src/notify/test-support.js';
import { openStore, type Store } from '../../src/store/index.js';
import { serveCli, type ServedCli } from '../support/cli.js';
import { createTestDatabase, postgresUp } from '../support/services.js';
import type { ScratchDatabase } from '../../src/store/scratch.js';
import { scaled } from '../support/timing.js';

let served: ServedCli;
let receiver: Receiver;
let store: Store;
let database: ScratchDatabase;
const pgAvailable = await postgresUp();
const KEY = 'storm-key-0123456789abcdef01234';
const STORM = 600;
const users = [{ name: 'boss', role: 'admin' as const }, { name: 'ron', role: 'responder' as const }];

beforeAll(async () => {
  if (!pgAvailable) return;
  database = await createTestDatabase('opsbook_storm');
  receiver = await startReceiver(() => ({ status: 200 }));
  served = await serveCli('storm', {
    'ops.yaml': `server:\n  ingest_queue: 300\nstorage:\n  url: "${database.url}"\nusers:\n  - name: boss\n    role: admin\n  - name: ron\n    role: responder\nchannels:\n  - id: hook\n    kind: webhook\n    url: ${receiver.url}\n    secrets: [whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw]\nintegrations:\n  - id: prom\n    kind: alertmanager\n    key: ${KEY}\n`,
  });
  store = await openStore({ url: database.url });
});
afterAll(async () => {
  await store?.close();
  await served?.close();
  await receiver?.close();
  await database?.drop();
});

interface Answer { status: number; retryAfter: string | undefined; body: string; at: number }

/** One request on its own connection (a storm's senders are many clients). */
function post(url: string, body: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve) => {
    const req = http.request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', ...headers } }, (r) => {
      let text = '';
      r.on('data', (c: Buffer) => (text += c.toString()));
      r.on('end', () => resolve({ status: r.statusCode!, retryAfter: r.headers['retry-after'] as string | undefined, body: text, at: Date.now() }));
    });
    req.on('error', (e) => resolve({ status: 0, retryAfter: undefined, body: e.message, at: Date.now() }));
    req.end(body);
  });
}

function alert(i: number, name = 'NodeDown'): string {
  return JSON.stringify({ version: '4', groupKey: `g${i}`, status: 'firing', receiver: 'opsbook', alerts: [{ status: 'firing', labels: { alertname: name, instance: `node-${i}:9100` }, startsAt: new Date().toISOString() }] });
}
const ingest = (body: string) => post(`${served.url}/api/ingest/alertmanager`, body, { authorization: `Bearer ${KEY}` });

describe.skipIf(!pgAvailable)('load shedding (PostgreSQL)', () => {
  it('answers 429 with Retry-After past the bound, keeps acknowledgements and health answering, and groups the storm', async () => {
    const ron = (await createToken({ store, clock: new SystemClock(), users }, { name: 'boss', role: 'admin', via: 'cli' }, 'ron')).token;
    const opened = await ingest(alert(-1, 'DiskFull'));
    expect(opened.status, opened.body).toBe(200);
    const first = JSON.parse(opened.body) as { incidents: string[] };
    const target = first.incidents[0]!;

    // Nothing drains while the lock is held: the first group's new incident waits for it. The first
    // answer is then a 429 (one is answered on arrival), and the backlog holds 300 admitted
    // alerts, several group commits' worth; the lock goes, and the ack is sent while they wait.
    const lock = new pg.Client({ connectionString: database.url });
    await lock.connect();
    let firstAnswer!: (a: Answer) => void;
    const answered = new Promise<Answer>((r) => (firstAnswer = r));
    let storm: Promise<Answer>[];
    try {
      await lock.query('begin');
      await lock.query('lock table incidents in share row exclusive mode');
      storm = Array.from({ length: STORM }, (_, i) => ingest(alert(i)).then((a) => (firstAnswer(a), a)));
      expect((await answered).status).toBe(429);
      await lock.query('commit');
    } finally {
      await lock.end();
    }
    const ack = await post(`${served.url}/api/incidents/${target}/acknowledge`, '{}', { authorization: `Bearer ${ron}` });
    const ready = await fetch(`${served.url}/_health/ready`);
    const results = await Promise.all(storm);
    const stormEnd = Math.max(...results.map((r) => r.at));

    expect(ack.status, ack.body).toBe(200);
    expect(ready.status).toBe(200);
    // Answered ahead of the queued alerts, not after them.
    expect(ack.at).toBeLessThan(stormEnd);
    expect(results.some((r) => r.status === 200 && r.at > ack.at)).toBe(true);
    const shed = results.filter((r) => r.status === 429);
    const ok = results.filter((r) => r.status === 200);
    console.log(`storm of ${STORM}: ${ok.length} accepted, ${shed.length} answered 429; ack answered ${stormEnd - ack.at} ms before the storm's last answer`);
    expect(ok.length + shed.length).toBe(STORM);
    expect(shed.length).toBeGreaterThan(0);
    for (const r of shed) {
      expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(JSON.parse(r.body)).toMatchObject({ error: { code: 'OPSBOOK_E_INGEST_OVERLOADED' } });
    }
    const stormIncidents = new Set(ok.flatMap((r) => (JSON.parse(r.body) as { incidents: string[] }).incidents));
    expect(stormIncidents.size).toBeGreaterThan(0);
    expect(stormIncidents.size).toBeLessThanOrEqual(10);
    // One page per group: one triggered notification per incident on the one channel.
    const triggered = await store.db.selectFrom('outbox').select(['incident_id']).where('event', '=', 'incident.triggered').execute();
    for (const id of stormIncidents) expect(triggered.filter((t) => t.incident_id === id)).toHaveLength(1);
  }, scaled(180_000));
});
