/**
 * The incident page's age line of a re-opened incident counts from its re-opening, as its response
 * times do: "open for 5m since its re-opening", not the hours it spent resolved in between; once
 * resolved again, how long the re-opened incident lasted. One daemon on a simulated clock, its
 * alerts through the Alertmanager webhook (SQLite: the page reads the incident row alone).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/lib/clock.js';
import { scaled } from '../support/timing.js';
import { pageAs, signIn, startUi, type UiHarness } from './support.js';

const KEY = 'k'.repeat(40);
const MIN = 60_000;

describe('the incident page of a re-opened incident', () => {
  let ui: UiHarness;
  const clock = new SimulatedClock(Math.floor(Date.now() / MIN) * MIN);
  const send = async (status: 'firing' | 'resolved') => {
    const res = await ui.app.inject({
      method: 'POST', url: '/api/ingest/alertmanager', headers: { authorization: `Bearer ${KEY}` },
      payload: {
        version: '4', status, receiver: 'opsbook', groupKey: 'g', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am',
        alerts: [{ status, labels: { alertname: 'API down', severity: 'P1', service: 'api' }, annotations: { summary: 'API down' }, startsAt: new Date(clock.now()).toISOString(), fingerprint: 'api-down' }],
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    await ui.daemon.operations!.settle(scaled(5_000));
  };
  const advance = (ms: number) => clock.advance(ms, () => ui.daemon.operations!.settle(scaled(5_000)));

  beforeAll(async () => {
    ui = await startUi({ operations: true, clock, yaml: `integrations:\n  - { id: prom, kind: alertmanager, key: ${KEY} }\nservices:\n  - { id: api }\n` });
  }, scaled(60_000));
  afterAll(async () => ui?.close(), scaled(60_000));

  it('says how long it has been open since its re-opening, then how long it lasted after it', async () => {
    await send('firing');
    await advance(10 * MIN);
    await send('resolved');
    await advance(50 * MIN);
    await send('firing'); // within reopen_within (1h): the same incident re-opens
    const { id } = await ui.daemon.store.db.selectFrom('incidents').select('id').executeTakeFirstOrThrow();
    await advance(5 * MIN);
    const viewer = await signIn(ui.app, 'viewer-user');
    const open = await pageAs(ui.app, viewer, `/incidents/${id}`);
    expect(open).toMatch(/open for <span data-since="\d+">5m<\/span> since its re-opening/);
    await send('resolved');
    const resolved = await pageAs(ui.app, viewer, `/incidents/${id}`);
    expect(resolved).toContain('lasted 5m after its re-opening');
  }, scaled(120_000));
});
