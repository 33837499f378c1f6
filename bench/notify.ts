/**
 * `npm run bench:notify`: alert-to-delivered latency through the durable outbox on SQLite. Each
 * notification is enqueued (one committed transaction, WAL), the in-process worker is woken, claims
 * it (one UPDATE), signs and POSTs it to a loopback receiver, and records the attempt. Prints p50/p99
 * from enqueue to the receiver's arrival and to the attempt being recorded. Target: p99 < 25 ms.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { SystemClock } from '../src/lib/clock.js';
import { ActionLinkSigner, enqueueNotification, OutboxWorker } from '../src/notify/index.js';
import { channel, startReceiver, testSecret } from '../src/notify/test-support.js';
import { openStore } from '../src/store/index.js';

const count = Number(process.env.BENCH_COUNT ?? 2000);
const rate = Number(process.env.BENCH_RATE ?? 200);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-bench-notify-'));
const store = await openStore({ url: path.join(dir, 'opsbook.db') });
await store.migrate();
const clock = new SystemClock();
const arrived = new Map<string, number>();
const receiver = await startReceiver((req) => {
  arrived.set(String(req.headers['webhook-id']), performance.now());
  return { status: 200 };
});
const recorded = new Map<string, number>();
const worker = new OutboxWorker({
  store,
  clock,
  channels: [channel({ id: 'hook', kind: 'webhook', url: receiver.url, secrets: [testSecret(1)] })],
  linkSigner: await ActionLinkSigner.fromStore(store.db, clock, 'http://127.0.0.1:4100'),
  onSettled: (e) => recorded.set(e.id, performance.now()),
});
worker.start();

const pct = (xs: number[], p: number): number => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const fmt = (xs: number[]): string => {
  const s = [...xs].sort((a, b) => a - b);
  return `p50 ${pct(s, 50).toFixed(2)} ms  p99 ${pct(s, 99).toFixed(2)} ms  max ${s[s.length - 1]!.toFixed(2)} ms`;
};

async function run(n: number): Promise<Array<{ id: string; t0: number }>> {
  const sent: Array<{ id: string; t0: number }> = [];
  const gap = 1000 / rate;
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const due = start + i * gap;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const t0 = performance.now();
    const { id } = await enqueueNotification(store, clock, {
      channelId: 'hook',
      event: 'incident.triggered',
      incident: { id: `inc_${i}`, title: 'API error rate above 5%', severity: 'sev1', status: 'triggered', url: `http://127.0.0.1:4100/incidents/inc_${i}` },
    });
    sent.push({ id, t0 });
  }
  for (let i = 0; i < 400 && sent.some((s) => !recorded.has(s.id)); i++) await new Promise((r) => setTimeout(r, 25));
  return sent;
}

try {
  await run(200); // warm-up: JIT, connection to the receiver
  const sent = await run(count);
  const toArrival = sent.filter((s) => arrived.has(s.id)).map((s) => arrived.get(s.id)! - s.t0);
  const toRecorded = sent.filter((s) => recorded.has(s.id)).map((s) => recorded.get(s.id)! - s.t0);
  console.log(`outbox on SQLite (WAL, synchronous=NORMAL), ${count} notifications at ${rate}/s, loopback webhook (${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(1)})`);
  console.log(`enqueue → received by the webhook   ${fmt(toArrival)}`);
  console.log(`enqueue → delivery recorded         ${fmt(toRecorded)}`);
  console.log(`delivered ${toRecorded.length}/${count}; target p99 < 25 ms (to received): ${pct([...toArrival].sort((a, b) => a - b), 99) < 25 ? 'met' : 'NOT met'}`);
} finally {
  await worker.stop(Date.now() + 2000);
  await receiver.close();
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
