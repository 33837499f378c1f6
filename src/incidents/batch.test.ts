import { afterEach, expect, it } from 'vitest';
import { SimulatedClock } from '../lib/clock.js';
import { listAudit } from '../store/index.js';
import { IncidentService } from './service.js';
import { alert, testStore } from './test-support.js';

const T0 = Date.parse('2026-03-04T10:00:00Z');
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function service(): Promise<{ svc: IncidentService; store: Awaited<ReturnType<typeof testStore>>['store'] }> {
  const { store, cleanup } = await testStore();
  cleanups.push(cleanup);
  return { svc: new IncidentService(store, new SimulatedClock(T0)), store };
}

it('handles an alert batch in order, one result and one audit entry per alert', async () => {
  const { svc, store } = await service();
  const api = alert('firing', 'check:api', { service: 'api' }, T0);
  const web = alert('firing', 'check:web', { service: 'web' }, T0);
  const [a, w, again] = await svc.onAlerts([api, web, api]);
  expect(a!.incident.id).not.toBe(w!.incident.id);
  expect(again!.incident.id).toBe(a!.incident.id);
  expect(a!.effects.map((e) => e.kind)).toEqual(['notify', 'start_escalation']);
  expect(again!.effects).toEqual([]);
  expect((await svc.list()).length).toBe(2);
  expect((await listAudit(store.db, { subject: `incident:${a!.incident.id}` })).map((e) => e.action)).toEqual(['incident.alert_firing', 'incident.alert_firing']);
});

it('commits a batch whole or not at all', async () => {
  const { svc } = await service();
  const good = alert('firing', 'check:api', { service: 'api' }, T0);
  // A label the store cannot serialise fails the second alert after the first has written its rows.
  const bad = alert('firing', 'check:web', { service: 'web' }, T0);
  bad.labels = { ...bad.labels, broken: 1n as unknown as string };
  await expect(svc.onAlerts([good, bad])).rejects.toThrow();
  expect(await svc.list()).toEqual([]);
});
