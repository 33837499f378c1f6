/**
 * Probe honesty in a running daemon: while opsbook's own event loop is blocked most of the time, a
 * healthy but timing-checked target is never recorded down (its runs are unknown and page nobody),
 * one incident about opsbook's overload opens, and a stopped target still pages.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { CheckResult } from '../../src/checks/index.js';
import { closeHttpAgents } from '../../src/checks/index.js';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { freePort } from '../support/net.js';
import { scaled } from '../support/timing.js';

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() - t0 > scaled(timeoutMs)) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let server: DaemonApp;
let healthy: http.Server;
let receiver: http.Server;
const pages: string[] = [];
const results: CheckResult[] = [];
let blocker: NodeJS.Timeout | undefined;

beforeAll(async () => {
  // Healthy: answers 200 after 50 ms, well inside the check's 250 ms.
  healthy = http.createServer((_q, s) => void setTimeout(() => s.writeHead(200).end('ok'), 50));
  await new Promise<void>((r) => healthy.listen(0, '127.0.0.1', r));
  receiver = http.createServer((q, s) => {
    let raw = '';
    q.on('data', (c: Buffer) => (raw += c.toString()));
    q.on('end', () => {
      pages.push((JSON.parse(raw) as { data: { incident: { title: string } } }).data.incident.title);
      s.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const stoppedPort = await freePort(); // nothing listens: a stopped target
  server = await startDaemonApp('overload', {
    'ops.yaml': `checks:
  - id: healthy-timed
    kind: http
    url: http://127.0.0.1:${(healthy.address() as AddressInfo).port}/
    interval: 5s
    timeout: 5s
    failure_threshold: 1
    conditions: ["[STATUS] == 200", "[RESPONSE_TIME] < 250"]
  - id: stopped
    kind: http
    url: http://127.0.0.1:${stoppedPort}/
    interval: 1s
    failure_threshold: 1
channels:
  - id: hook
    kind: webhook
    url: http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook
    secrets: ["whsec_${randomBytes(24).toString('base64')}"]
escalation_policies:
  - id: default
    steps:
      - targets: [{ channel: hook }]
        timeout: 1h
`,
  });
  server.daemon.operations!.on((e) => {
    if (e.type === 'check') results.push(e.result);
  });
});

afterAll(async () => {
  clearInterval(blocker);
  await server?.close();
  closeHttpAgents();
  healthy.closeAllConnections();
  await new Promise((r) => healthy.close(r));
  await new Promise((r) => receiver.close(r));
});

it('keeps a healthy target out of down and pages for the stopped one while the loop is blocked', async () => {
  // Busy 300 ms of every 320 ms: every run of the healthy check overlaps a block.
  blocker = setInterval(() => {
    const end = performance.now() + 300;
    while (performance.now() < end) {
      // opsbook's loop is stuck
    }
  }, 320);
  await until('a withheld verdict for the healthy target', () => results.some((r) => r.checkId === 'healthy-timed' && r.status === 'unknown'));
  await until('a page for the stopped target', () => pages.some((t) => t.includes('stopped')));
  clearInterval(blocker);
  blocker = undefined;

  const healthyRuns = results.filter((r) => r.checkId === 'healthy-timed');
  expect(healthyRuns.filter((r) => r.status === 'down')).toEqual([]);
  expect(healthyRuns.find((r) => r.status === 'unknown')!.error).toMatch(/event loop was \d+ ms late/);
  expect(results.filter((r) => r.checkId === 'stopped').every((r) => r.status === 'down')).toBe(true);

  await server.daemon.operations!.idle();
  const incidents = await server.daemon.operations!['incidents'].list();
  expect(incidents.filter((i) => i.title.includes('overloaded'))).toHaveLength(1);
  expect(incidents.some((i) => i.title.includes('healthy-timed'))).toBe(false);
});
