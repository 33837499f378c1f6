import { performance } from 'node:perf_hooks';
import type { OpsConfig } from '../config/index.js';
import type { Operations } from '../daemon/operations/index.js';
import type { MaintenanceWindow, Matcher } from '../incidents/index.js';
import { MINUTE, type Driver } from './driver.js';
import { applyFault, describeFault } from './faults/index.js';
import { actorFor } from './resolution.js';
import { closeFailingChannelIncidents, failingChannelsFailure, keepBackupsFresh } from './scenario.js';
import type { DrillResult } from './result.js';
import type { Drill, GameDaySpec, Scenario } from './spec.js';
import type { World } from './world.js';

export interface DrillContext {
  world: World;
  driver: Driver;
  ops: Operations;
  config: OpsConfig;
}

const WINDOW_ID = 'gameday-maintenance';

/**
 * What a drill's window or silence takes in: the drill's matchers, else the game day's system
 * (`service="<system>"`). Never every incident: a game day run beside a live opsbook's incidents
 * must not hold their pages.
 */
export function drillMatchers(system: string, drill: Drill): Matcher[] {
  return (drill.matchers ?? [{ label: 'service', value: system }]).map((m) => ({ label: m.label, op: '=' as const, value: m.value }));
}

/** The maintenance drill's window, open over [start, end), scoped as its silence is. */
export function drillWindow(system: string, drill: Drill, start: number, end: number): MaintenanceWindow {
  return { id: WINDOW_ID, timeZone: 'UTC', services: [], matchers: drillMatchers(system, drill), onEnd: 'notify_if_firing', start, end, comment: 'game day: a window over a fault' };
}

/**
 * A maintenance window opens as the scenario's fault goes in: the incident opens (detection never
 * stops) but its page is held; at the window's end, the fault still on, the page goes out.
 */
export async function maintenanceDrill(spec: GameDaySpec, drill: Drill, ctx: DrillContext): Promise<DrillResult> {
  const t0 = performance.now();
  const scenario = scenarioOf(spec, drill);
  const { ops, driver, world } = ctx;
  const failures: string[] = [];
  const start = driver.now();
  const end = start + drill.minutes * MINUTE;
  const window = drillWindow(spec.system, drill, start, end);
  // The window goes in as a reload of `maintenance:` would put it.
  ops.incidents.configure(incidentConfig(ctx.config, [...ctx.config.maintenance, window]));
  let text = '';
  let drillIncident: string | undefined;
  await keepBackupsFresh(world);
  await applyFault(world, scenario.inject, true);
  try {
    const found = await driver.until(scenario.expect.within_minutes * MINUTE, () => driver.incidentWith(scenario.expect.alert));
    if (!found) {
      failures.push(`alert ${scenario.expect.alert} did not fire within the window`);
      return done();
    }
    const { incident } = found;
    drillIncident = incident.id;
    // The incident may have been opened by another alert of the service and held before this alert
    // joined it (after its own `for:`): what counts is that the window held its notification.
    if (!(await heldBy(ops, incident.id, WINDOW_ID))) failures.push(`incident ${incident.id} is not held by the window (held by ${incident.heldBy?.id ?? 'nothing'}; timeline: ${await timelineSummary(ops, incident.id)})`);
    const pagesOf = () => world.receiver.received.filter((r) => r.incidentId === incident.id && r.type === 'incident.triggered');
    // Through the window's end: nothing may reach anyone before it.
    const early = await driver.until(end - driver.now() - 1, () => pagesOf().find((r) => r.at < end));
    if (early) failures.push(`paged at ${early.path} ${Math.round((early.at - start) / MINUTE)} min into a ${drill.minutes} min window`);
    const released = await driver.until(5 * MINUTE, () => pagesOf()[0]);
    if (!released) failures.push(`the held page was not sent within 5 min of the window's end (fault still on)`);
    else {
      const after = Math.round(((released.at - end) / MINUTE) * 10) / 10;
      text = `${describeFault(scenario.inject)} under a ${drill.minutes} min window: incident ${incident.id} opened, page held, released at ${released.path} ${after} min after the window ended`;
    }
    return done();
  } finally {
    ops.incidents.configure(incidentConfig(ctx.config, ctx.config.maintenance));
    await mendAndSettle(ctx, scenario, failures, drillIncident);
  }

  function done(): DrillResult {
    return { kind: 'maintenance', scenario: scenario.id, passed: failures.length === 0, failures, text, seconds: (performance.now() - t0) / 1000 };
  }
}

/**
 * A silence over the scenario's alert: the fault goes in and is mended while the silence lasts;
 * the incident opens and resolves, and no page reaches anyone at all.
 */
export async function silenceDrill(spec: GameDaySpec, drill: Drill, ctx: DrillContext): Promise<DrillResult> {
  const t0 = performance.now();
  const scenario = scenarioOf(spec, drill);
  const { ops, driver, world } = ctx;
  const failures: string[] = [];
  const actor = actorFor(ctx.config, 'responder');
  const matchers = drillMatchers(spec.system, drill);
  const since = driver.now();
  const silence = await ops.incidents.createSilence({ matchers, endsAt: driver.now() + drill.minutes * MINUTE, comment: 'game day: a silence over a fault', onEnd: 'drop' }, actor);
  let text = '';
  let drillIncident: string | undefined;
  await keepBackupsFresh(world);
  await applyFault(world, scenario.inject, true);
  try {
    const found = await driver.until(scenario.expect.within_minutes * MINUTE, () => driver.incidentWith(scenario.expect.alert));
    if (!found) {
      failures.push(`alert ${scenario.expect.alert} did not fire under the silence`);
      return done();
    }
    const { incident } = found;
    drillIncident = incident.id;
    if (!(await heldBy(ops, incident.id, silence.id))) failures.push(`incident ${incident.id} is not held by the silence (held by ${incident.heldBy?.id ?? 'nothing'}; timeline: ${await timelineSummary(ops, incident.id)})`);
    await applyFault(world, scenario.inject, false);
    const resolved = await driver.until(scenario.verify_minutes * MINUTE, async () => ((await ops.incidents.get(incident.id)).state === 'resolved' ? true : undefined));
    if (!resolved) failures.push(`incident ${incident.id} did not resolve within ${scenario.verify_minutes} min once the fault was undone`);
    const sent = world.receiver.received.filter((r) => r.incidentId === incident.id && r.at >= since);
    if (sent.length > 0) failures.push(`the silence let ${sent.map((r) => `${r.type} → ${r.path}`).join(', ')} through`);
    text = `${describeFault(scenario.inject)} under a ${drill.minutes} min silence (${matchers.map((m) => `${m.label}=${m.value}`).join(', ')}): incident ${incident.id} opened and resolved, ${sent.length} notifications sent`;
    return done();
  } finally {
    await ops.expireSilence(silence.id, actor).catch(() => undefined);
    await mendAndSettle(ctx, scenario, failures, drillIncident);
  }

  function done(): DrillResult {
    return { kind: 'silence', scenario: scenario.id, passed: failures.length === 0, failures, text, seconds: (performance.now() - t0) / 1000 };
  }
}

function scenarioOf(spec: GameDaySpec, drill: Drill): Scenario {
  const s = spec.scenarios.find((x) => x.id === drill.scenario);
  if (!s) throw new Error(`no scenario ${drill.scenario}`);
  return s;
}

function incidentConfig(config: OpsConfig, maintenance: MaintenanceWindow[]) {
  return { severities: config.severities, businessHours: config.business_hours, maintenance, silences: config.silences };
}

/** The world mended and quiet again; the drill's incident reviewed, so a later fault opens a new one rather than re-opening it. */
async function mendAndSettle(ctx: DrillContext, scenario: Scenario, failures: string[], incidentId: string | undefined): Promise<void> {
  await applyFault(ctx.world, scenario.inject, false).catch(() => {});
  const failing = await closeFailingChannelIncidents(ctx.ops, ctx.config);
  if (failing.length > 0) failures.push(failingChannelsFailure(failing));
  const quiet = await ctx.driver.until(scenario.expect.within_minutes * MINUTE, async () => ((await ctx.driver.openIncidents()).length === 0 ? true : undefined));
  if (!quiet) {
    failures.push(`incidents still open after the drill${await ctx.driver.openSummary()}`);
    for (const i of await ctx.driver.openIncidents()) await ctx.ops.act(i.id, 'resolve', actorFor(ctx.config, 'responder'), 'game day: closing after a drill').catch(() => undefined);
  }
  if (incidentId) await ctx.ops.act(incidentId, 'review', actorFor(ctx.config, 'responder'), 'game day drill done').catch(() => undefined);
}

/** Whether a window or silence held the incident's notification: now, or by a `suppressed` line on its timeline. */
async function heldBy(ops: Operations, id: string, suppressor: string): Promise<boolean> {
  const incident = await ops.incidents.get(id);
  if (incident.heldBy?.id === suppressor) return true;
  return (await ops.incidents.timeline(id)).some((e) => e.kind === 'suppressed' && e.data.id === suppressor && /held by/.test(e.text));
}

/** The incident's timeline in one line, for a failure that needs explaining. */
async function timelineSummary(ops: Operations, id: string): Promise<string> {
  return (await ops.incidents.timeline(id)).map((e) => `${e.kind}: ${e.text.slice(0, 80)}`).join(' | ');
}
