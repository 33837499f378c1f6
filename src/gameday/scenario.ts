import { performance } from 'node:perf_hooks';
import type { OpsConfig } from '../config/index.js';
import type { Operations } from '../daemon/operations/index.js';
import type { ExecutionService } from '../executions/index.js';
import { OPEN_STATES, type Incident } from '../incidents/index.js';
import { FAILING_CHANNEL_LABEL } from '../daemon/operations/paging-watch.js';
import type { Store } from '../store/index.js';
import { changesRun, runDiagnosis } from './diagnosis.js';
import { MINUTE, type Driver } from './driver.js';
import { checkDiagnosis, checkEvidenceGone } from './expectations.js';
import { applyFault, describeFault, isStandIn } from './faults/index.js';
import { describeMissingPeerPages, missingPeerPages } from './peer-pages.js';
import type { ReceivedNotification } from './receiver.js';
import { actorFor, runResolution } from './resolution.js';
import type { GameDayEvent, ScenarioResult } from './result.js';
import { writeReview } from './review.js';
import type { GameDaySpec, Scenario } from './spec.js';
import type { World } from './world.js';
import { checkWorldEvidenceGone, checkWorldReads, readPlace, runWorldReads } from './world-reads.js';

/** How far (simulated minutes) the next level may page from the configured minute: checks and deliveries land on their own ticks. */
const ESCALATION_SLACK_MIN = 1;

export interface ScenarioContext {
  world: World;
  driver: Driver;
  ops: Operations;
  store: Store;
  config: OpsConfig;
  executions: ExecutionService;
  env: Record<string, string>;
  emit: (e: GameDayEvent) => void;
  /** Where reviews are kept (`--reviews DIR`); absent: written into the world's directory, which goes with it. */
  reviewsDir?: string;
}

/** FILE#ID references name the same procedure when their ids match (case-insensitively) and one file ends the other. */
export function sameProcedure(a: string | undefined, b: string): boolean {
  if (!a) return false;
  const [fa, ia] = a.split('#');
  const [fb, ib] = b.split('#');
  return ia!.toLowerCase() === ib!.toLowerCase() && (fa!.endsWith(fb!) || fb!.endsWith(fa!));
}

const minutesBetween = (a: number, b: number): number => Math.round(((b - a) / MINUTE) * 10) / 10;

/**
 * One scenario, the whole response on the simulated clock: the fault goes in; the alert fires and
 * pages; nobody acknowledges, so the next level pages at its minute; the page's signed link
 * acknowledges; the diagnosis shows the fault's evidence; the world is watched with the resolution
 * skipped (the negative control: the incident must stay open); the resolution runs and mends the
 * world; the incident resolves, the evidence is gone, and the review is written.
 */
export async function runScenario(spec: GameDaySpec, scenario: Scenario, ctx: ScenarioContext): Promise<ScenarioResult> {
  const t0 = performance.now();
  const { world, driver, ops, executions } = ctx;
  const expect = scenario.expect;
  const failures: string[] = [];
  const step = (text: string): void => ctx.emit({ kind: 'step', system: spec.system, scenario: scenario.id, text });
  const result: ScenarioResult = {
    id: scenario.id,
    title: scenario.title,
    passed: false,
    failures,
    seconds: 0,
    expected: { alert: expect.alert, severity: expect.severity, severitySource: expect.severity_source, runbook: expect.runbook },
    fault: { text: describeFault(scenario.inject), standIn: isStandIn(scenario.inject) },
    negativeControl: { ran: false, held: false, text: 'not reached' },
  };
  const limit = expect.within_minutes * MINUTE;
  // Real seconds per phase of the response (result.phases): where a scenario's wall time goes.
  const phases: Record<string, number> = {};
  result.phases = phases;
  let since = performance.now();
  const mark = (name: string): void => {
    const now = performance.now();
    phases[name] = (phases[name] ?? 0) + (now - since) / 1000;
    since = now;
  };
  await keepBackupsFresh(world);
  await applyFault(world, scenario.inject, true);
  step(`fault on: ${describeFault(scenario.inject)}`);
  try {
    mark('fault on');
    const faultAt = driver.now();
    const found = await driver.until(limit, () => driver.incidentWith(expect.alert));
    mark('until fired');
    if (!found) {
      failures.push(`alert ${expect.alert} did not fire within ${expect.within_minutes} simulated minutes${await driver.openSummary()}`);
      return result;
    }
    const { incident, alert } = found;
    result.incident = { id: incident.id, title: incident.title, severity: incident.severity, ...(incident.runbook ? { runbook: incident.runbook } : {}) };
    result.alert = { rule: alert.ruleId, severity: alert.severity, ...(alert.runbook ? { runbook: alert.runbook } : {}) };
    step(`alert ${alert.ruleId} fired ${((driver.now() - faultAt) / 60_000).toFixed(1)} simulated min after the fault → incident ${incident.id} ${incident.severity} "${incident.title}"`);
    if (incident.severity !== expect.severity) {
      const alerts = (await ops.incidents.alerts(incident.id)).map((a) => `${a.ruleId} ${a.severity} ${a.state}`);
      failures.push(`incident severity ${incident.severity}, expected ${expect.severity} (${expect.severity_source}); its alerts: ${alerts.join(', ')}`);
    }
    if (!sameProcedure(alert.runbook, expect.runbook)) failures.push(`alert links ${alert.runbook ?? 'no procedure'}, expected ${expect.runbook}`);
    // An alert may join an incident another alert of the same service opened (grouping): the
    // responder runs the procedure of the alert in question.
    const linked = [incident.runbook, ...(await ops.incidents.alerts(incident.id)).map((a) => a.runbook)];
    if (!linked.some((r) => sameProcedure(r, expect.runbook))) failures.push(`incident links ${incident.runbook ?? 'no procedure'}, expected ${expect.runbook}`);
    const procedure = alert.runbook ?? incident.runbook ?? expect.runbook;

    // The first page, then nobody answers.
    const received = (pred: (r: ReceivedNotification) => boolean) => () => world.receiver.received.find((r) => r.incidentId === incident.id && pred(r));
    const page = await driver.until(5 * MINUTE, received((r) => r.type === 'incident.triggered' && r.path === scenario.page.path));
    mark('until paged');
    if (!page) {
      failures.push(`no signed incident.triggered page for ${incident.id} reached ${scenario.page.path} (received: ${world.receiver.received.filter((r) => r.incidentId === incident.id).map((r) => `${r.type} ${r.path}`).join(', ') || 'nothing'})`);
      return result;
    }
    result.page = { path: page.path, minute: minutesBetween(incident.openedAt, page.at) };
    step(`signed page at ${page.path}, ${result.page.minute} min after the incident opened`);
    if (scenario.page.peers.length > 0) {
      const wanted = scenario.page.peers;
      const arrived = await driver.until(5 * MINUTE, () => (missingPeerPages(world.peers.accepted, incident.id, wanted).length === 0 ? true : undefined));
      if (!arrived) failures.push(describeMissingPeerPages(world.peers.accepted, incident.id, missingPeerPages(world.peers.accepted, incident.id, wanted)));
      else step(`the page reached the channel peers: ${wanted.map((w) => [w.channel, w.to].filter(Boolean).join(' ')).join(', ')}`);
    }
    const esc = scenario.escalation;
    if (esc.none) {
      // No further step for this severity: the window passes and nobody but the first level hears of it.
      await driver.pass(esc.after_minutes * MINUTE);
      const later = (await ops.incidents.timeline(incident.id)).filter((t) => t.kind === 'notification' && t.at > page.at && /^step [2-9]/.test(t.text));
      if (later.length > 0) failures.push(`nobody should be paged past step 1 for ${incident.severity} (${esc.source}), yet: ${later.map((t) => t.text).join('; ')}`);
      result.escalation = { to: `no further step for ${incident.severity}`, minute: esc.after_minutes, expectedMinute: esc.after_minutes };
      step(`nobody acknowledged: no further step for ${incident.severity} within ${esc.after_minutes} min (${esc.source})`);
    }
    // The next level as the timeline records it: `step N: paged USER …` (or `cannot page USER`), and
    // the message on its channel's receiver path when it has one.
    const stepEntry = async () =>
      (await ops.incidents.timeline(incident.id)).find((t) => (t.kind === 'notification' || t.kind === 'escalation') && t.at > page.at && t.text.startsWith(`step ${esc.step}`) && (!esc.to || t.text.includes(esc.to)));
    const escalated = esc.none ? { at: page.at + esc.after_minutes * MINUTE, text: 'none' } : await driver.until((esc.after_minutes + 5) * MINUTE, async () => {
      const entry = await stepEntry();
      if (!entry) return undefined;
      if (!esc.path) return { at: entry.at, text: entry.text };
      const message = received((r) => r.path === esc.path && r.at > page.at)();
      return message ? { at: message.at, text: entry.text } : undefined;
    });
    if (!escalated) {
      failures.push(`nobody acknowledged, and step ${esc.step} (${[esc.to, esc.path].filter(Boolean).join(', ')}) did not page within ${esc.after_minutes + 5} min of the first page (${esc.source})`);
      return result;
    }
    mark('escalation');
    const escMinute = minutesBetween(page.at, escalated.at);
    if (!esc.none) result.escalation = { to: `step ${esc.step}: ${escalated.text.replace(/^step \d+[^:]*: /, '')}${esc.path ? ` → ${esc.path}` : ''}`, minute: escMinute, expectedMinute: esc.after_minutes };
    if (!esc.none && Math.abs(escMinute - esc.after_minutes) > ESCALATION_SLACK_MIN) failures.push(`step ${esc.step} paged ${escMinute} min after the first page, configured ${esc.after_minutes} (${esc.source})`);
    const stateNow = (await ops.incidents.get(incident.id)).state;
    if (stateNow !== 'triggered') failures.push(`the incident is ${stateNow} before anyone acknowledged`);
    if (!esc.none) step(`nobody acknowledged: ${result.escalation!.to} ${escMinute} min after the first page (configured ${esc.after_minutes}, ${esc.source})`);

    // Acknowledgement through the signed link the page carries, on the daemon's real HTTP route.
    const ackUrl = page.links?.acknowledge;
    if (!ackUrl) {
      failures.push('the page carries no signed acknowledge link');
      return result;
    }
    const ack = await fetch(ackUrl, { method: 'POST', headers: { accept: 'application/json' } });
    const ackBody = (await ack.json().catch(() => ({}))) as { state?: string };
    const afterAck = await ops.incidents.get(incident.id);
    const ackedBy = (await ops.incidents.timeline(incident.id)).find((t) => t.kind === 'status' && t.data.to === 'acknowledged')?.actor ?? '';
    result.acknowledged = { status: ack.status, state: afterAck.state, by: ackedBy };
    if (ack.status !== 200 || afterAck.state !== 'acknowledged') {
      failures.push(`the signed acknowledge link answered ${ack.status} ${JSON.stringify(ackBody)}; incident is ${afterAck.state}`);
      return result;
    }
    step(`acknowledged through the signed link (HTTP ${ack.status}) by ${ackedBy || '?'}`);
    mark('acknowledge');

    const diagnosis = await runDiagnosis(executions, procedure, incident.id, expect.phases, expect.ran.map((r) => r.command));
    result.diagnosis = { executionId: diagnosis.executionId, procedure: diagnosis.procedure, commands: diagnosis.commands };
    const counts = (o: string): number => diagnosis.commands.filter((c) => c.outcome === o).length;
    step(`runbook ${diagnosis.procedure}: ${counts('ok')} read ran, ${counts('failed')} failed, ${counts('not_runnable')} not runnable here, ${counts('left:shell') + counts('left:change')} left for a person`);
    failures.push(...checkDiagnosis(expect, diagnosis.commands));
    for (const e of changesRun(diagnosis.transcript)) failures.push(`a ${e.effect} command ran during diagnosis: ${e.text}`);
    if (expect.world.length > 0) {
      const reads = await runWorldReads(expect.world, ctx.env, world.standin.logs);
      failures.push(...checkWorldReads(reads));
      step(`world reads: ${reads.map((r) => `${readPlace(r.read)}: ${r.output.split('\n')[0]}`).join('; ')}`);
    }

    mark('diagnosis');
    // Negative control: the resolution skipped, the world is watched over the verification window.
    const ncStart = driver.now();
    const resolvedAnyway = await driver.until(scenario.verify_minutes * MINUTE, async () => (await stillOpen(ops, incident)) ? undefined : true);
    const nc = { ran: true, held: !resolvedAnyway, text: '' };
    nc.text = resolvedAnyway
      ? `resolution skipped: the incident resolved anyway after ${minutesBetween(ncStart, driver.now())} min — the scenario proves nothing`
      : `resolution skipped: incident still open and ${expect.alert} still firing after ${scenario.verify_minutes} min`;
    if (!resolvedAnyway) {
      const firing = (await ops.incidents.alerts(incident.id)).some((a) => a.ruleId === expect.alert && a.state === 'firing');
      if (!firing) {
        nc.held = false;
        nc.text = `resolution skipped: the incident stayed open but ${expect.alert} stopped firing — the scenario proves nothing`;
      }
    }
    result.negativeControl = nc;
    mark('negative control');
    if (!nc.held) {
      failures.push(`negative control: ${nc.text}`);
      return result;
    }
    step(`negative control held: ${nc.text}`);

    // The resolution, run as the runbook (or the scenario's mend) says, and nothing else mends the world.
    const resolution = await runResolution(scenario.resolution, {
      config: ctx.config, executions, incidents: ops.incidents, procedure, incidentId: incident.id, world, fault: scenario.inject, env: ctx.env,
    });
    result.resolution = { by: resolution.by, text: resolution.text, actor: resolution.actor, output: resolution.output.slice(0, 500), ...(resolution.why ? { why: resolution.why } : {}) };
    failures.push(...resolution.failures);
    step(`resolution: ${resolution.text}`);
    mark('resolution');
    const mendedAt = driver.now();
    // The same window the negative control was watched over: mended, the incident resolves within it.
    const resolved = await driver.until(scenario.verify_minutes * MINUTE, async () => ((await ops.incidents.get(incident.id)).state === 'resolved' ? true : undefined));
    if (!resolved) {
      failures.push(`the resolution did not mend the world: incident ${incident.id} still open ${scenario.verify_minutes} simulated minutes after it${await driver.openSummary()}`);
      return result;
    }
    mark('until resolved');
    result.resolvedAfterMinutes = minutesBetween(mendedAt, driver.now());
    step(`incident resolved ${result.resolvedAfterMinutes} simulated min after the resolution`);
    // Verification: the same reads again; the evidence is gone with the fault.
    const again = await runDiagnosis(executions, procedure, incident.id, expect.phases, expect.ran.map((r) => r.command));
    const gone = [...checkEvidenceGone(expect, again.commands), ...checkWorldEvidenceGone(await runWorldReads(expect.world, ctx.env, world.standin.logs))];
    failures.push(...gone);
    result.verification = gone.length === 0 ? `${expect.ran.filter((r) => r.evidence).length + expect.world.filter((r) => r.evidence).length} evidence value(s) gone after the resolution` : 'evidence outlived the fault';
    const resolvedNote = await driver.until(5 * MINUTE, received((r) => r.type === 'incident.resolved'));
    if (!resolvedNote) failures.push(`no signed incident.resolved notification for ${incident.id}`);
    const review = await writeReview(ops, ctx.store, ctx.config, incident.id, actorFor(ctx.config, 'responder'), ctx.reviewsDir ?? world.dir, executions.deps.runbooks);
    result.review = { ...(ctx.reviewsDir !== undefined ? { file: review.file } : {}), entries: review.timeline.length, templateItems: review.templateItems };
    if (review.missing.length > 0) failures.push(`the review lacks timeline entries: ${review.missing.join('; ')}`);
    if (review.missingTemplate.length > 0) failures.push(`the review lacks its template's ${review.missingTemplate.join('; ')}`);
    const unasked = expect.review.filter((item) => !review.markdown.includes(`- [ ] ${item}`));
    if (unasked.length > 0) failures.push(`the review does not carry the open item(s) ${unasked.map((i) => `"${i}"`).join(', ')} (review.template in ops.yaml)`);
    if (!review.timeline.some((t) => t.kind === 'status' && t.data.to === 'acknowledged')) failures.push('the timeline has no acknowledgement');
    step(ctx.reviewsDir !== undefined ? `review written: ${review.file} (${review.timeline.length} timeline entries)` : `review checked: ${review.timeline.length} timeline entries (not kept: --reviews DIR keeps it)`);
    mark('verification and review');
    return result;
  } finally {
    // Mend the world even after a failed expectation, so later scenarios are not polluted.
    await applyFault(world, scenario.inject, false).catch(() => {});
    const failing = await closeFailingChannelIncidents(ops, ctx.config);
    if (failing.length > 0) {
      result.failingChannels = failing;
      failures.push(failingChannelsFailure(failing));
    }
    if (!(await driver.until(limit, async () => ((await driver.openIncidents()).length === 0 ? true : undefined)))) {
      failures.push(`incidents still open after the world was mended${await driver.openSummary()}`);
      for (const i of await driver.openIncidents()) await ops.act(i.id, 'resolve', actorFor(ctx.config, 'responder'), 'game day: closing before the next scenario').catch(() => undefined);
    }
    mark('mend and quiet');
    result.passed = failures.length === 0;
    result.seconds = (performance.now() - t0) / 1000;
  }
}

async function stillOpen(ops: Operations, incident: Incident): Promise<boolean> {
  const state = (await ops.incidents.get(incident.id)).state;
  return state !== 'resolved' && state !== 'reviewed';
}

/**
 * The system's backup job goes on writing while the game day runs hours of simulated time: each
 * scenario starts with backups an hour old, as a healthy schedule leaves them (a backup fault then ages them).
 */
export async function keepBackupsFresh(world: World): Promise<void> {
  await world.backups.age(MINUTE);
}

/**
 * Every channel of a game-day world reaches a loopback peer (the webhook receiver, the Slack, Twilio
 * and SMTP peers), so a channel opsbook reports failing is a finding of the game day — a config that
 * names a host outside the world, a peer that refused what opsbook sent — never noise. Its incident
 * is closed (so the next scenario starts quiet) and the channel is returned for the failure.
 */
export async function closeFailingChannelIncidents(ops: Operations, config: OpsConfig): Promise<string[]> {
  const out: string[] = [];
  for (const i of await ops.incidents.listAll({ state: OPEN_STATES })) {
    const channel = i.labels[FAILING_CHANNEL_LABEL];
    if (!channel) continue;
    out.push(channel);
    await ops.act(i.id, 'resolve', actorFor(config, 'responder'), `game day: channel ${channel} failed; reported with the scenario`).catch(() => undefined);
  }
  return out;
}

/** The failure a failing channel is, with what to look at. */
export function failingChannelsFailure(channels: readonly string[]): string {
  return `channel${channels.length > 1 ? 's' : ''} ${channels.join(', ')} failed to deliver (opsbook opened a failing-channel incident): every channel of the world reaches a loopback peer, so the config or the peer is wrong`;
}
