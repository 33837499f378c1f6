/**
 * The events API maps a payload's severity (`critical`, `warning` …) onto the configured ladder; the
 * route keeps the ladder's ids between alerts, and a reload that changes `severities:` is followed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';

const KEY = 'e'.repeat(40);
const config = (ladder: string) => `integrations:
  - { id: ev, kind: events, key: ${KEY} }
severities:
${ladder}
`;

let server: DaemonApp;
beforeAll(async () => {
  server = await startDaemonApp('events-ladder', { 'ops.yaml': config('  - { id: SEV1, response: 15m, group_within: 0s }\n  - { id: SEV2, response: 1h, group_within: 0s }') });
});
afterAll(async () => {
  await server?.close();
});

async function trigger(dedup: string, severity: string): Promise<string> {
  const res = await server.app.inject({ method: 'POST', url: '/api/events', payload: { routing_key: KEY, event_action: 'trigger', dedup_key: dedup, payload: { summary: dedup, source: 'test', severity } } });
  expect(res.statusCode).toBe(202);
  const incidents = await server.daemon.operations!.incidents.list({ limit: 500 });
  return incidents.find((i) => i.title === dedup)!.severity;
}

it('a warning maps onto the ladder in force, before and after a reload', async () => {
  expect(await trigger('a', 'warning')).toBe('SEV2');
  expect(await trigger('b', 'critical')).toBe('SEV1');
  fs.writeFileSync(path.join(server.dir, 'ops.yaml'), config('  - { id: HIGH, response: 15m, group_within: 0s }\n  - { id: MID, response: 1h, group_within: 0s }\n  - { id: LOW, response: 4h, group_within: 0s }'));
  expect(await server.daemon.reload()).toBe(true);
  expect(await trigger('c', 'warning')).toBe('LOW');
  expect(await trigger('d', 'critical')).toBe('HIGH');
});
