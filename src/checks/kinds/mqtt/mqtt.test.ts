/** mqtt kind against the machine's real Mosquitto, private brokers for outages and passwords, and a stalling peer. */
import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configLoader } from '../../../../test/support/config.js';
import { MQTT_URL, startPrivateMosquitto, type PrivateMosquitto } from '../../../../test/support/mosquitto.js';
import { serviceUp, startStallServer, type StallServer } from '../../../../test/support/stall.js';
import { runConfig } from '../../testing/index.js';
import { scaled } from '../../../../test/support/timing.js';

const mosquittoAvailable = await serviceUp('Mosquitto', new URL(MQTT_URL).hostname, Number(new URL(MQTT_URL).port || 1883));
const load = configLoader('opsbook-mqtt');

/** Waits (generously) until the stalling peer has seen every client connection closed. */
async function closedByClient(stall: StallServer): Promise<number> {
  for (const end = Date.now() + scaled(10_000); stall.open() > 0 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 50));
  return stall.open();
}

describe.skipIf(!mosquittoAvailable)('mqtt kind', () => {
  it('is up when a published message comes back through the shared broker', async () => {
    const r = await runConfig({ kind: 'mqtt', url: MQTT_URL });
    expect(r).toMatchObject({ status: 'up', level: 'ok' });
    expect(r.conditions.map((c) => [c.text, c.actual])).toEqual([
      ['[CONNECTED] == true', 'true'],
      ['[RECEIVED] == true', 'true'],
    ]);
    expect(r.value).toBeGreaterThanOrEqual(0);
  });

  it('reads a retained status message, and a wrong one fails with the message seen', async () => {
    const topic = `opsbook-test/${process.pid}/${Date.now()}/status`;
    const pub = await connectAsync(MQTT_URL);
    try {
      await pub.publishAsync(topic, 'lost', { retain: true, qos: 1 });
      const r = await runConfig({ kind: 'mqtt', url: MQTT_URL, round_trip: false, read: { topic }, conditions: ['[MESSAGE] == ready'] });
      expect(r.status).toBe('down');
      expect(r.conditions[0]).toMatchObject({ ok: false, actual: 'lost' });
      await pub.publishAsync(topic, 'ready', { retain: true, qos: 1 });
      const ok = await runConfig({ kind: 'mqtt', url: MQTT_URL, round_trip: false, read: { topic }, conditions: ['[MESSAGE] == ready'] });
      expect(ok.status).toBe('up');
    } finally {
      // An empty retained message removes it, leaving nothing behind on the shared broker.
      await pub.publishAsync(topic, '', { retain: true, qos: 1 });
      await pub.endAsync();
    }
  });

  it('a topic with no message leaves [MESSAGE] unset after the wait', async () => {
    const r = await runConfig({ kind: 'mqtt', url: MQTT_URL, round_trip: false, read: { topic: `opsbook-test/${process.pid}/empty`, wait: '100ms' } });
    expect(r.status).toBe('down');
    expect(r.conditions.at(-1)).toMatchObject({ text: 'has([MESSAGE]) == true', ok: false });
  });
});

describe('mqtt kind against private brokers', () => {
  let broker: PrivateMosquitto;
  let stall: StallServer;
  beforeAll(async () => {
    broker = await startPrivateMosquitto({ users: { probe: 's3cret' } });
    stall = await startStallServer();
  });
  afterAll(async () => {
    await broker.stop();
    await stall.close();
  });

  it('logs in with a user name and password', async () => {
    const r = await runConfig({ kind: 'mqtt', url: broker.url, username: 'probe', password: 's3cret' });
    expect(r.status).toBe('up');
  });

  it('is down with the broker’s refusal for a wrong password', async () => {
    const r = await runConfig({ kind: 'mqtt', url: broker.url, username: 'probe', password: 'wrong' });
    expect(r.status).toBe('down');
    expect(r.error).toMatch(/Not authorized|Bad username or password/i);
  });

  it('is down when the broker is stopped', async () => {
    const down = await startPrivateMosquitto();
    expect((await runConfig({ kind: 'mqtt', url: down.url })).status).toBe('up');
    await down.stop();
    const r = await runConfig({ kind: 'mqtt', url: down.url });
    expect(r.status).toBe('down');
    expect(r.conditions[0]).toMatchObject({ text: '[CONNECTED] == true', ok: false, actual: 'false' });
    expect(r.error).toMatch(/ECONNREFUSED/);
  });

  it('times out on a peer that accepts and never answers', async () => {
    const r = await runConfig({ kind: 'mqtt', url: `mqtt://127.0.0.1:${stall.port}`, timeout: '300ms' });
    expect(r.status).toBe('down');
    expect(r.error).toBe('timeout after 300ms');
    expect(await closedByClient(stall)).toBe(0);
    expect(stall.accepted()).toBeGreaterThan(0);
  });
});

describe('mqtt options', () => {
  it('rejects bad options with their place in the file', async () => {
    const r = await load('ops.yaml', `checks:
  - id: broker
    kind: mqtt
    url: http://127.0.0.1:1883
    qos: 3
    topic: "sensors/#"
`);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const seen = r.issues.map((i) => [i.path, i.line, i.message]);
    expect(seen).toContainEqual(['checks[0].url', 4, expect.stringContaining('mqtt://')]);
    expect(seen).toContainEqual(['checks[0].qos', 5, expect.any(String)]);
    expect(seen).toContainEqual(['checks[0].topic', 6, expect.stringContaining('wildcards')]);
  });

  it('rejects a condition on a placeholder the kind does not fill', async () => {
    const r = await load('cond.yaml', `checks:
  - { id: broker, kind: mqtt, url: "mqtt://127.0.0.1:1883", conditions: ["[STATUS] == 200"] }
`);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0]).toMatchObject({ path: 'checks[0].conditions[0]', line: 2 });
  });
});
