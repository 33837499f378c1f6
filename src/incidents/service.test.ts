import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../lib/clock.js';
import { listAudit, type Store } from '../store/index.js';
import { maintenanceSection, silencesSection } from '../config/schema/maintenance.js';
import { severitiesSection } from '../config/schema/severities.js';
import { IncidentService, type IncidentConfig } from './service.js';
import { alert, ana, HOUR, MINUTE, testStore } from './test-support.js';

const T0 = Date.parse('2026-03-04T10:00:00Z'); // a Wednesday
const api = { service: 'api', check: 'api-health' };
const db = { service: 'api', check: 'db-pool' };

let store: Store;
let cleanup: () => Promise<void>;
let clock: SimulatedClock;
const opened: Array<() => Promise<void>> = [];

async function service(config: IncidentConfig = {}): Promise<IncidentService> {
  const s = await testStore();
  opened.push(s.cleanup);
  store = s.store;
  cleanup = s.cleanup;
  clock = new SimulatedClock(T0);
  return new IncidentService(store, clock, config);
}

afterAll(async () => {
  for (const c of opened) await c();
  void cleanup;
});

describe('opening, dedup and grouping', () => {
  let svc: IncidentService;
  beforeEach(async () => {
    svc = await service();
  });

  it('opens an incident from a firing alert with its severity, response target, timeline and effects', async () => {
    const r = (await svc.onAlert(alert('firing', 'check:api-health', api, T0)))!;
    expect(r.incident).toMatchObject({ state: 'triggered', severity: 'P1', service: 'api', source: 'alert', responseDueAt: T0 + 15 * MINUTE });
    expect(r.effects).toEqual([
      { kind: 'notify', incidentId: r.incident.id, event: 'opened', severity: 'P1' },
      { kind: 'start_escalation', incidentId: r.incident.id, severity: 'P1', openedAt: T0, responseDueAt: T0 + 15 * MINUTE },
    ]);
    expect((await svc.timeline(r.incident.id)).map((e) => e.kind)).toEqual(['status', 'alert']);
    expect((await listAudit(store.db, { subject: `incident:${r.incident.id}` })).map((a) => [a.actor, a.action])).toEqual([
      ['system:alerts', 'incident.alert_firing'],
    ]);
  });

  it('dedups repeats of one alert into one incident, and groups another alert of the same service within the window', async () => {
    const first = (await svc.onAlert(alert('firing', 'check:api-health', api, T0)))!;
    await clock.advance(MINUTE);
    const repeat = (await svc.onAlert(alert('firing', 'check:api-health', api, clock.now())))!;
    expect(repeat.incident.id).toBe(first.incident.id);
    expect(repeat.effects).toEqual([]);
    await clock.advance(2 * MINUTE);
    const grouped = (await svc.onAlert(alert('firing', 'check:db-pool', db, clock.now(), { severity: 'P3' })))!;
    expect(grouped.incident.id).toBe(first.incident.id);
    expect((await svc.alerts(first.incident.id)).map((a) => a.ruleId)).toEqual(['check:api-health', 'check:db-pool']);
    // Past the 5m group window a new alert of the same service opens its own incident.
    await clock.advance(10 * MINUTE);
    const later = (await svc.onAlert(alert('firing', 'rule:latency', api, clock.now())))!;
    expect(later.incident.id).not.toBe(first.incident.id);
    // Another service never groups.
    const other = (await svc.onAlert(alert('firing', 'check:web', { service: 'web' }, clock.now())))!;
    expect(other.incident.id).not.toBe(later.incident.id);
  });

  it('group_within 0s turns grouping off: alerts of one service at the same instant open one incident each', async () => {
    const ladder = severitiesSection.parse([{ id: 'P1', response: '15m', group_within: '0s' }]);
    const off = await service({ severities: ladder });
    const [a, b] = await off.onAlerts([alert('firing', 'check:api-health', api, T0), alert('firing', 'check:db-pool', db, T0)]);
    expect(a!.incident.id).not.toBe(b!.incident.id);
    const [c, d] = await off.onAlerts([alert('firing', 'rule:x', {}, T0, { dedupKey: 'x1' }), alert('firing', 'rule:x', {}, T0, { dedupKey: 'x2' })]);
    expect(c!.incident.id).not.toBe(d!.incident.id);
  });

  it('raises the severity when a worse alert joins, and recomputes the response target from the opening', async () => {
    const r = (await svc.onAlert(alert('firing', 'check:db-pool', db, T0, { severity: 'P3' })))!;
    expect(r.incident.responseDueAt).toBe(T0 + 4 * HOUR);
    await clock.advance(MINUTE);
    const raised = (await svc.onAlert(alert('firing', 'check:api-health', api, clock.now(), { severity: 'P1' })))!;
    expect(raised.incident).toMatchObject({ severity: 'P1', responseDueAt: T0 + 15 * MINUTE });
    expect(raised.effects).toEqual([{ kind: 'notify', incidentId: r.incident.id, event: 'severity_raised', severity: 'P1' }]);
  });

  it('takes the title of the alert that raised the severity, and the timeline says what it was', async () => {
    const r = (await svc.onAlert(alert('firing', 'rule:budget', db, T0, { severity: 'P3', annotations: { summary: 'error budget burning' } })))!;
    expect(r.incident.title).toBe('error budget burning');
    await clock.advance(MINUTE);
    const raised = (await svc.onAlert(alert('firing', 'check:api-health', api, clock.now(), { severity: 'P1', annotations: { summary: 'API is down' } })))!;
    expect(raised.incident).toMatchObject({ severity: 'P1', title: 'API is down' });
    expect((await svc.get(r.incident.id)).title).toBe('API is down');
    const line = (await svc.timeline(r.incident.id)).find((e) => e.data.to === 'P1')!;
    expect(line.text).toBe('severity raised P3 → P1 by "API is down"; title was "error budget burning"');
    expect(line.data).toMatchObject({ from: 'P3', to: 'P1', dedupKey: expect.any(String), title: 'API is down', previousTitle: 'error budget burning' });
    // A less severe alert joining later changes neither.
    await clock.advance(MINUTE);
    const minor = (await svc.onAlert(alert('firing', 'rule:latency', api, clock.now(), { severity: 'P2', annotations: { summary: 'API slow' } })))!;
    expect(minor.incident).toMatchObject({ severity: 'P1', title: 'API is down' });
  });

  it('keeps the title a person wrote when a worse alert joins their incident, and names the alert on the timeline', async () => {
    const { incident } = await svc.create({ title: 'Customers report failed checkouts', severity: 'P3', service: 'api' }, ana);
    await clock.advance(MINUTE);
    const raised = (await svc.onAlert(alert('firing', 'check:api-health', api, clock.now(), { severity: 'P1', annotations: { summary: 'API is down' } })))!;
    expect(raised.incident).toMatchObject({ id: incident.id, severity: 'P1', title: 'Customers report failed checkouts' });
    const line = (await svc.timeline(incident.id)).find((e) => e.data.to === 'P1')!;
    expect(line.text).toBe('severity raised P3 → P1 by "API is down"; title kept (written by a person)');
  });

  it('keeps a title a person set by hand when a worse alert joins; the timeline says who set it and what it was', async () => {
    const r = (await svc.onAlert(alert('firing', 'rule:budget', db, T0, { severity: 'P3', annotations: { summary: 'error budget burning' } })))!;
    const renamed = await svc.retitle(r.incident.id, '  Checkout errors for EU customers ', ana);
    expect(renamed.title).toBe('Checkout errors for EU customers');
    expect((await svc.timeline(r.incident.id)).at(-1)).toMatchObject({ actor: 'ana', text: 'title "error budget burning" → "Checkout errors for EU customers"' });
    await clock.advance(MINUTE);
    const raised = (await svc.onAlert(alert('firing', 'check:api-health', api, clock.now(), { severity: 'P1', annotations: { summary: 'API is down' } })))!;
    expect(raised.incident).toMatchObject({ severity: 'P1', title: 'Checkout errors for EU customers' });
    expect((await svc.timeline(r.incident.id)).some((e) => e.text === 'severity raised P3 → P1 by "API is down"; title kept (written by a person)')).toBe(true);
    await expect(svc.retitle(r.incident.id, '   ', ana)).rejects.toMatchObject({ code: 'OPSBOOK_E_INCIDENT_INVALID', location: { path: 'title' } });
  });

  it('a worse alert re-opening a resolved incident raises its severity and gives it its title', async () => {
    const r = (await svc.onAlert(alert('firing', 'rule:budget', db, T0, { severity: 'P3', annotations: { summary: 'error budget burning' } })))!;
    await clock.advance(MINUTE);
    await svc.onAlert(alert('firing', 'check:api-health', api, clock.now(), { severity: 'P3', annotations: { summary: 'API health failing' } }));
    await svc.onAlert(alert('resolved', 'rule:budget', db, clock.now(), { severity: 'P3' }));
    await svc.onAlert(alert('resolved', 'check:api-health', api, clock.now(), { severity: 'P3' }));
    expect((await svc.get(r.incident.id)).state).toBe('resolved');
    await clock.advance(10 * MINUTE);
    const again = (await svc.onAlert(alert('firing', 'check:api-health', api, clock.now(), { severity: 'P1', annotations: { summary: 'API is down' } })))!;
    expect(again.incident).toMatchObject({ id: r.incident.id, state: 'triggered', severity: 'P1', title: 'API is down', reopened: 1 });
    expect((await svc.timeline(r.incident.id)).some((e) => e.text === 'severity raised P3 → P1 by "API is down"; title was "error budget burning"')).toBe(true);
  });
});

describe('lifecycle', () => {
  let svc: IncidentService;
  beforeEach(async () => {
    svc = await service();
  });

  it('recomputes the response target from the opening when a person changes the severity, and says so', async () => {
    const { incident } = await svc.create({ title: 'Checkout slow', severity: 'P3', service: 'api' }, ana);
    expect(incident.responseDueAt).toBe(T0 + 4 * HOUR);
    await clock.advance(5 * MINUTE);
    const raised = await svc.changeSeverity(incident.id, 'P1', ana, 'checkout is down for everyone');
    expect(raised).toMatchObject({ severity: 'P1', responseDueAt: T0 + 15 * MINUTE });
    const lowered = await svc.changeSeverity(incident.id, 'P2', ana);
    expect(lowered.responseDueAt).toBe(T0 + HOUR);
    const lines = (await svc.timeline(incident.id)).filter((e) => e.data.toSeverity !== undefined).map((e) => e.text);
    expect(lines).toEqual([
      'severity P3 → P1; response due 2026-03-04 10:15:00 UTC (15m after opening): checkout is down for everyone',
      'severity P1 → P2; response due 2026-03-04 11:00:00 UTC (1h after opening)',
    ]);
  });

  it('walks triggered → acknowledged → investigating → mitigated → resolved → reviewed with actor and time', async () => {
    const { incident } = await svc.create({ title: 'Checkout failing for EU users', severity: 'P2', service: 'api', description: 'Support ticket #4411' }, ana);
    expect(incident).toMatchObject({ source: 'manual', createdBy: 'ana', responseDueAt: T0 + HOUR, labels: { service: 'api' } });
    await clock.advance(MINUTE);
    const ack = await svc.acknowledge(incident.id, ana, 'looking');
    expect(ack.effects).toEqual([{ kind: 'stop_escalation', incidentId: incident.id, reason: 'acknowledged', by: 'ana' }]);
    expect(ack.incident.acknowledgedAt).toBe(T0 + MINUTE);
    await svc.investigate(incident.id, ana);
    await svc.mitigate(incident.id, ana, 'rolled back');
    await clock.advance(MINUTE);
    const resolved = await svc.resolve(incident.id, ana);
    expect(resolved.incident).toMatchObject({ state: 'resolved', resolvedAt: T0 + 2 * MINUTE });
    expect(resolved.effects.map((e) => e.kind)).toEqual(['stop_escalation', 'notify']);
    await svc.review(incident.id, ana, 'post-incident review held');
    const statuses = (await svc.timeline(incident.id)).filter((e) => e.kind === 'status');
    expect(statuses.map((e) => [e.actor, e.data.to])).toEqual([
      ['ana', 'triggered'], ['ana', 'acknowledged'], ['ana', 'investigating'], ['ana', 'mitigated'], ['ana', 'resolved'], ['ana', 'reviewed'],
    ]);
    const audit = await listAudit(store.db, { subject: `incident:${incident.id}` });
    expect(audit.map((a) => a.action)).toEqual([
      'incident.create', 'incident.acknowledged', 'incident.investigating', 'incident.mitigated', 'incident.resolved', 'incident.reviewed',
    ]);
    expect(audit.every((a) => a.actor === 'ana')).toBe(true);
  });

  it('refuses moves that are not allowed, with a stable code naming the allowed ones', async () => {
    const { incident } = await svc.create({ title: 'x', severity: 'P4' }, ana);
    await expect(svc.review(incident.id, ana)).rejects.toMatchObject({ code: 'OPSBOOK_E_INCIDENT_TRANSITION', message: expect.stringContaining('from triggered: acknowledged, investigating, mitigated, resolved') });
    await svc.investigate(incident.id, ana);
    await expect(svc.acknowledge(incident.id, ana)).rejects.toMatchObject({ code: 'OPSBOOK_E_INCIDENT_TRANSITION' });
    await svc.resolve(incident.id, ana);
    await expect(svc.resolve(incident.id, ana)).rejects.toMatchObject({ code: 'OPSBOOK_E_INCIDENT_TRANSITION' });
    await svc.review(incident.id, ana);
    await expect(svc.investigate(incident.id, ana)).rejects.toMatchObject({ code: 'OPSBOOK_E_INCIDENT_TRANSITION', message: expect.stringContaining('no further state') });
    await expect(svc.acknowledge('inc_nope', ana)).rejects.toMatchObject({ code: 'OPSBOOK_E_INCIDENT_UNKNOWN' });
    await expect(svc.create({ title: 'y', severity: 'P9' }, ana)).rejects.toMatchObject({ code: 'OPSBOOK_E_INCIDENT_INVALID', location: { path: 'severity' } });
  });

  it('auto-resolves when all alerts resolve, unless the severity turns it off', async () => {
    const r = (await svc.onAlert(alert('firing', 'check:api-health', api, T0)))!;
    await svc.onAlert(alert('firing', 'check:db-pool', db, T0));
    await clock.advance(MINUTE);
    const one = (await svc.onAlert(alert('resolved', 'check:api-health', api, clock.now())))!;
    expect(one.incident.state).toBe('triggered');
    const all = (await svc.onAlert(alert('resolved', 'check:db-pool', db, clock.now())))!;
    expect(all.incident.state).toBe('resolved');
    expect(all.effects.map((e) => e.kind)).toEqual(['stop_escalation', 'notify']);
    expect((await svc.timeline(r.incident.id)).at(-1)).toMatchObject({ kind: 'status', actor: 'system:incidents', text: expect.stringContaining('auto-resolved') });

    const manualOnly = await service({ severities: severitiesSection.parse([{ id: 'P1', response: '15m', auto_resolve: false }]) });
    const m = (await manualOnly.onAlert(alert('firing', 'check:api-health', api, T0)))!;
    const after = (await manualOnly.onAlert(alert('resolved', 'check:api-health', api, T0 + MINUTE)))!;
    expect(after.incident.id).toBe(m.incident.id);
    expect(after.incident.state).toBe('triggered');
  });

  it('an auto-resolved incident nobody touched is not recorded as acknowledged; a person resolving it is', async () => {
    const auto = (await svc.onAlert(alert('firing', 'check:api-health', api, T0)))!;
    await clock.advance(5 * MINUTE);
    const resolved = (await svc.onAlert(alert('resolved', 'check:api-health', api, clock.now())))!;
    expect(resolved.incident.state).toBe('resolved');
    expect(resolved.incident.resolvedAt).toBe(clock.now());
    expect(resolved.incident.acknowledgedAt).toBeUndefined();
    expect((await svc.get(auto.incident.id)).acknowledgedAt).toBeUndefined();

    const byHand = (await svc.onAlert(alert('firing', 'check:db-pool', db, clock.now())))!;
    await clock.advance(3 * MINUTE);
    const closed = await svc.resolve(byHand.incident.id, ana, 'restarted the pool');
    expect(closed.incident.acknowledgedAt).toBe(clock.now());
  });

  it('re-opens on recurrence within the window, and opens a new incident after it', async () => {
    const r = (await svc.onAlert(alert('firing', 'check:api-health', api, T0)))!;
    await svc.onAlert(alert('resolved', 'check:api-health', api, T0 + MINUTE));
    await clock.advance(30 * MINUTE);
    const again = (await svc.onAlert(alert('firing', 'check:api-health', api, clock.now())))!;
    expect(again.incident).toMatchObject({ id: r.incident.id, state: 'triggered', reopened: 1 });
    expect(again.effects.map((e) => e.kind === 'notify' ? e.event : e.kind)).toEqual(['reopened', 'start_escalation']);
    await svc.onAlert(alert('resolved', 'check:api-health', api, clock.now()));
    await clock.advance(2 * HOUR);
    const fresh = (await svc.onAlert(alert('firing', 'check:api-health', api, clock.now())))!;
    expect(fresh.incident.id).not.toBe(r.incident.id);
  });
});

describe('change events', () => {
  it('puts changes on the timelines of incidents that open within 2h after them, before or after they are recorded', async () => {
    const svc = await service();
    const deploy = await svc.recordChange({ kind: 'deploy', service: 'api', summary: 'api v2.14.0', data: { version: '2.14.0' } }, ana);
    expect(deploy.attachedTo).toEqual([]);
    await clock.advance(90 * MINUTE);
    const inside = (await svc.onAlert(alert('firing', 'check:api-health', api, clock.now())))!;
    const change = (await svc.timeline(inside.incident.id)).find((e) => e.kind === 'change');
    expect(change).toMatchObject({ at: T0, actor: 'ana', text: 'deploy (api): api v2.14.0', data: { changeId: deploy.change.id, version: '2.14.0' } });
    // A rollback reported late, dated 30 min before that incident: attached on recording.
    const late = await svc.recordChange({ kind: 'rollback', summary: 'config flag off', at: clock.now() - 30 * MINUTE }, ana);
    expect(late.attachedTo).toEqual([inside.incident.id]);
    await clock.advance(3 * HOUR);
    const outside = (await svc.onAlert(alert('firing', 'check:web', { service: 'web' }, clock.now())))!;
    expect((await svc.timeline(outside.incident.id)).some((e) => e.kind === 'change')).toBe(false);
    await expect(svc.recordChange({ kind: 'party' as 'deploy', summary: 'x' }, ana)).rejects.toMatchObject({ code: 'OPSBOOK_E_INCIDENT_INVALID' });
  });
});

describe('maintenance windows and silences', () => {
  it('a one-off window holds the notification, never the incident, and notifies at its end if still firing', async () => {
    const maintenance = maintenanceSection.parse([
      { id: 'db-upgrade', start: '2026-03-04T09:30:00Z', end: '2026-03-04T11:00:00Z', services: ['api'], comment: 'PostgreSQL 16 upgrade' },
    ]);
    const svc = await service({ maintenance });
    const r = (await svc.onAlert(alert('firing', 'check:api-health', api, T0)))!;
    expect(r.incident.state).toBe('triggered');
    expect(r.effects).toEqual([
      { kind: 'notify', incidentId: r.incident.id, event: 'opened', severity: 'P1', suppressedBy: { kind: 'maintenance', id: 'db-upgrade', until: Date.parse('2026-03-04T11:00:00Z'), onEnd: 'notify_if_firing', comment: 'PostgreSQL 16 upgrade' } },
    ]);
    expect((await svc.timeline(r.incident.id)).find((e) => e.kind === 'suppressed')?.text).toContain('maintenance window db-upgrade');
    // Another service is not covered.
    const web = (await svc.onAlert(alert('firing', 'check:web', { service: 'web' }, T0)))!;
    expect(web.effects.map((e) => e.kind)).toEqual(['notify', 'start_escalation']);
    expect(await svc.nextReleaseAt()).toBe(Date.parse('2026-03-04T11:00:00Z'));
    await clock.advanceTo(Date.parse('2026-03-04T11:00:00Z'));
    const released = await svc.releaseHeld();
    expect(released.map((e) => e.kind === 'notify' ? e.event : e.kind)).toEqual(['released', 'start_escalation']);
    expect((await svc.get(r.incident.id)).heldBy).toBeUndefined();
    expect(await svc.releaseHeld()).toEqual([]);
  });

  it('drops the held notification at the end when on_end is drop, or when the alert stopped firing', async () => {
    const maintenance = maintenanceSection.parse([
      { id: 'quiet', start: '2026-03-04T09:00:00Z', end: '2026-03-04T10:30:00Z', matchers: [{ label: 'check', op: '=~', value: 'api-.*' }], on_end: 'drop' },
    ]);
    const svc = await service({ maintenance, severities: severitiesSection.parse([{ id: 'P1', response: '15m', auto_resolve: false }]) });
    const r = (await svc.onAlert(alert('firing', 'check:api-health', api, T0)))!;
    expect(r.effects[0]).toMatchObject({ suppressedBy: { id: 'quiet', onEnd: 'drop' } });
    await clock.advanceTo(Date.parse('2026-03-04T10:30:00Z'));
    expect(await svc.releaseHeld()).toEqual([]);
    expect((await svc.timeline(r.incident.id)).at(-1)?.text).toContain('dropped (on_end: drop)');
  });

  it('a cron window in a time zone covers Sunday 02:00–02:30 Berlin time only', async () => {
    const maintenance = maintenanceSection.parse([{ id: 'weekly', cron: '0 2 * * 0', duration: '30m', time_zone: 'Europe/Berlin', all_incidents: true }]);
    const svc = await service({ maintenance });
    // Sunday 2026-03-08 02:10 in Berlin is 01:10 UTC (CET, +01:00).
    expect(await svc.suppressionFor({ service: 'api' }, Date.parse('2026-03-08T01:10:00Z'))).toMatchObject({ id: 'weekly', until: Date.parse('2026-03-08T01:30:00Z') });
    expect(await svc.suppressionFor({ service: 'api' }, Date.parse('2026-03-08T02:10:00Z'))).toBeUndefined();
    // After the switch to summer time (2026-03-29) the window follows local time: Sunday 02:05 CEST is 00:05 UTC.
    expect(await svc.suppressionFor({ service: 'api' }, Date.parse('2026-04-05T00:05:00Z'))).toMatchObject({ id: 'weekly' });
    expect(await svc.suppressionFor({ service: 'api' }, Date.parse('2026-03-11T01:10:00Z'))).toBeUndefined();
  });

  it('silences from config and at runtime match labels; expiring one early releases what it held', async () => {
    const silences = silencesSection.parse([
      { id: 'known-flaky', matchers: [{ label: 'check', value: 'web' }], starts: '2026-03-04T00:00:00Z', ends: '2026-03-05T00:00:00Z', created_by: 'ana', comment: 'known flaky probe' },
    ]);
    const svc = await service({ silences });
    const web = (await svc.onAlert(alert('firing', 'check:web', { service: 'web', check: 'web' }, T0)))!;
    expect(web.effects).toMatchObject([{ kind: 'notify', suppressedBy: { kind: 'silence', id: 'known-flaky' } }]);

    const sil = await svc.createSilence({ matchers: [{ label: 'service', op: '=', value: 'api' }, { label: 'severity', op: '!=', value: 'P4' }], endsAt: T0 + HOUR, comment: 'deploying' }, ana);
    const r = (await svc.onAlert(alert('firing', 'check:api-health', api, T0)))!;
    expect(r.incident.state).toBe('triggered');
    expect(r.effects).toMatchObject([{ kind: 'notify', suppressedBy: { kind: 'silence', id: sil.id, until: T0 + HOUR } }]);
    await clock.advance(10 * MINUTE);
    const released = await svc.expireSilence(sil.id, ana);
    expect(released.map((e) => [e.kind, e.incidentId])).toEqual([['notify', r.incident.id], ['start_escalation', r.incident.id]]);
    await expect(svc.expireSilence(sil.id, ana)).rejects.toMatchObject({ code: 'OPSBOOK_E_SILENCE_UNKNOWN' });
    await expect(svc.createSilence({ matchers: [], endsAt: T0 + HOUR, comment: 'x' }, ana)).rejects.toMatchObject({ code: 'OPSBOOK_E_SILENCE_INVALID', location: { path: 'matchers' } });
    expect((await listAudit(store.db, { subject: `silence:${sil.id}` })).map((a) => a.action)).toEqual(['silence.create', 'silence.expire']);
  });

  it('an incident resolved during the window has nothing sent at its end', async () => {
    const maintenance = maintenanceSection.parse([{ id: 'mw', start: '2026-03-04T09:00:00Z', end: '2026-03-04T12:00:00Z', all_incidents: true }]);
    const svc = await service({ maintenance });
    const r = (await svc.onAlert(alert('firing', 'check:api-health', api, T0)))!;
    const resolved = (await svc.onAlert(alert('resolved', 'check:api-health', api, T0 + MINUTE)))!;
    expect(resolved.effects).toMatchObject([{ kind: 'stop_escalation' }, { kind: 'notify', event: 'resolved', suppressedBy: { id: 'mw' } }]);
    expect(await svc.nextReleaseAt()).toBeUndefined();
    expect((await svc.get(r.incident.id)).heldBy).toBeUndefined();
  });

  it('an incident acknowledged during the window has its held page dropped then, and nothing sent at its end', async () => {
    const maintenance = maintenanceSection.parse([{ id: 'mw', start: '2026-03-04T09:00:00Z', end: '2026-03-04T12:00:00Z', all_incidents: true }]);
    const svc = await service({ maintenance });
    const r = (await svc.onAlert(alert('firing', 'check:api-health', api, T0)))!;
    const acked = await svc.acknowledge(r.incident.id, ana);
    expect(acked.incident.heldBy).toBeUndefined();
    expect(acked.effects.map((e) => e.kind)).toEqual(['stop_escalation']);
    expect((await svc.timeline(r.incident.id)).at(-1)?.text).toBe('acknowledged while maintenance window mw held its notification: nothing to send at its end');
    expect(await svc.nextReleaseAt()).toBeUndefined();
  });

  it('an answered incident still holding its page (written before answers dropped it) is not paged at the window\'s end', async () => {
    const maintenance = maintenanceSection.parse([{ id: 'mw', start: '2026-03-04T09:00:00Z', end: '2026-03-04T12:00:00Z', all_incidents: true }]);
    const svc = await service({ maintenance });
    const r = (await svc.onAlert(alert('firing', 'check:api-health', api, T0)))!;
    await store.db.updateTable('incidents').set({ state: 'investigating' }).where('id', '=', r.incident.id).execute();
    await clock.advanceTo(Date.parse('2026-03-04T12:00:00Z'));
    expect(await svc.releaseHeld()).toEqual([]);
    expect((await svc.get(r.incident.id)).heldBy).toBeUndefined();
    expect((await svc.timeline(r.incident.id)).at(-1)?.text).toContain('ended: held notification dropped (investigating during it)');
  });
});
