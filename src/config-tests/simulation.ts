import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { RuleGroupSpec } from '../alerts/rule-files/index.js';
import { Registry } from 'prom-client';
import { compileCheck, evaluateCheck, ProbeState, type CheckResult, type CompiledCheck } from '../checks/index.js';
import type { OpsConfig } from '../config/index.js';
import { Operations } from '../daemon/operations/operations.js';
import type { Actor } from '../identity/index.js';
import type { Incident } from '../incidents/index.js';
import { SimulatedClock } from '../lib/clock.js';
import { listOutbox } from '../notify/index.js';
import { openStore, type Store } from '../store/index.js';
import type { IncidentAction } from './format.js';
import type { Step } from './values.js';

/** What the test can see of the pipeline at one instant. */
export interface Snapshot {
  at: number;
  alerts: Array<{ rule: string; state: string; severity?: string; labels: Record<string, string> }>;
  incidents: Array<Incident & { ordinal: number }>;
}

/** One outbox row as the test reads it: who would have been told what, when. */
export interface SentNotification {
  at: number;
  channel: string;
  event: string;
  user?: string;
  /** 1-based escalation step, for pages sent by a policy step. */
  step?: number;
  incidentId?: string;
}

/**
 * The real pipeline (`Operations`: rules → incidents → escalation → outbox) on a fresh SQLite
 * store in a temp dir and a simulated clock, with the probes and the channels switched off:
 * results come from the test's series and notifications are read back from the outbox rows.
 */
export class Simulation {
  private readonly ordinals = new Map<string, number>();
  private readonly compiled = new Map<string, CompiledCheck>();
  /** Each check's probe state, as the check runner keeps it: failure_threshold applies to test series too. */
  private readonly probes = new Map<string, ProbeState>();

  private constructor(
    readonly clock: SimulatedClock,
    private readonly store: Store,
    private readonly dir: string,
    readonly ops: Operations,
    private readonly config: OpsConfig,
  ) {
    for (const c of config.checks) {
      const compiled = compileCheck(c);
      this.compiled.set(c.id, compiled);
      this.probes.set(c.id, new ProbeState({ failureThreshold: compiled.failureThreshold, successThreshold: compiled.successThreshold }));
    }
  }

  /** `baseDir` is the config's directory, against which its relative paths resolve; `ruleGroups` its rule files as the config load read them. */
  static async open(config: OpsConfig, baseDir: string, start: number, ruleGroups: RuleGroupSpec[] = []): Promise<Simulation> {
    const dir = await mkdtemp(join(tmpdir(), 'opsbook-test-'));
    let store: Store | undefined;
    try {
      store = await openStore({ url: join(dir, 'opsbook.db') });
      await store.migrate();
      const clock = new SimulatedClock(start);
      const host = { store, clock, config, baseDir, ruleGroups, logger: pino({ level: 'silent' }), metrics: { registry: new Registry() } };
      const ops = await Operations.create(host, { probes: false, delivery: false });
      await ops.start();
      return new Simulation(clock, store, dir, ops, config);
    } catch (e) {
      await store?.close();
      await rm(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /** Runs every timer due up to `at` (for: waits, escalation steps, window ends) and lets their work finish. */
  async advanceTo(at: number): Promise<void> {
    // A timer's work can arm another timer at the same instant (a for: 0 alert); a few passes catch those.
    for (let pass = 0; pass < 3; pass++) {
      await this.clock.advanceTo(at);
      await this.ops.idle();
      await this.deliverPending();
    }
  }

  /** Feeds one step of a series, as the check's probe would have produced it at this instant. */
  async feed(checkId: string, step: Step, latencyMs: number | undefined): Promise<void> {
    if (step.kind === 'missing') return;
    const check = this.compiled.get(checkId)!;
    const at = this.clock.now();
    const timing = { at, latencyMs: latencyMs ?? 0 };
    // The step word says whether the probe was up, so `conditions:` are not evaluated; the warning and
    // critical lists are, against the value and latency the step gives.
    const levelsOnly = { ...check, conditions: [] };
    let result: CheckResult;
    if (step.kind === 'word' && (step.word === 'warning' || step.word === 'critical')) {
      result = { checkId, kind: check.kind, at, status: 'up', level: step.word, latencyMs: timing.latencyMs, conditions: [] };
    } else if (step.kind === 'word' && step.word === 'down') {
      result = evaluateCheck(levelsOnly, { values: {}, error: 'down (opsbook test input)' }, timing);
    } else {
      const value = step.kind === 'number' ? step.value : undefined;
      const values = { RESPONSE_TIME: timing.latencyMs, ...(value !== undefined ? { VALUE: value } : {}) };
      result = evaluateCheck(levelsOnly, { values, ...(value !== undefined ? { value } : {}) }, timing);
    }
    const probe = this.probes.get(checkId)!;
    probe.observe(result);
    await this.ops.injectCheckResult(result, probe.snapshot);
    await this.deliverPending();
  }

  /**
   * Every notification the pipeline wrote is taken by its channel at once (the test reads who would
   * have been told what, when): a page is delivered before anyone can answer it, as on a healthy
   * channel.
   */
  private async deliverPending(): Promise<void> {
    const at = this.clock.now();
    await this.store.db
      .updateTable('outbox')
      .set((eb) => ({ status: 'delivered' as const, attempts: eb('attempts', '+', 1), due_at: null, delivered_at: at, last_status: 200 }))
      .where('status', '=', 'pending')
      .where('due_at', '<=', at)
      .execute();
  }

  async ingest(alert: { rule: string; status: 'firing' | 'resolved'; severity: string; labels: Record<string, string>; summary?: string; dedupKey: string }): Promise<void> {
    await this.ops.ingest({
      kind: alert.status,
      ruleId: alert.rule,
      dedupKey: alert.dedupKey,
      labels: alert.labels,
      annotations: { summary: alert.summary ?? alert.rule },
      severity: alert.severity,
      at: this.clock.now(),
    });
    await this.deliverPending();
  }

  /** `#N` (the Nth incident opened in this test), `latest`, or a rule id one of its alerts came from. */
  async findIncident(ref: string): Promise<Incident | undefined> {
    const all = await this.incidents();
    const ordinal = /^#(\d+)$/.exec(ref);
    if (ordinal) return all.find((i) => i.ordinal === Number(ordinal[1]));
    if (ref === 'latest') return all.at(-1);
    for (const incident of [...all].reverse()) {
      if ((await this.ops.incidents.alerts(incident.id)).some((a) => a.ruleId === ref)) return incident;
    }
    return undefined;
  }

  async act(incidentId: string, action: IncidentAction, userName: string, note?: string): Promise<void> {
    const user = this.config.users.find((u) => u.name === userName)!;
    const actor: Actor = { name: user.name, role: user.role, via: 'cli' };
    await this.ops.act(incidentId, action, actor, note);
    await this.ops.idle();
    await this.deliverPending();
  }

  async snapshot(): Promise<Snapshot> {
    const alerts = this.ops.alerts
      .states()
      .filter((s) => s.state !== 'inactive')
      .map((s) => ({ rule: s.ruleId, state: s.state, labels: s.labels, ...(s.firedSeverity ? { severity: s.firedSeverity } : {}) }));
    return { at: this.clock.now(), alerts, incidents: await this.incidents() };
  }

  async notifications(): Promise<SentNotification[]> {
    const rows = await listOutbox(this.store.db);
    return rows.map((r) => {
      const payload = JSON.parse(r.payload) as { recipient?: { user: string } };
      const step = r.dedup_key ? /\/r\d+\/s(\d+)\//.exec(r.dedup_key) : null;
      return {
        at: Number(r.created_at),
        channel: r.channel_id,
        event: r.event,
        ...(payload.recipient ? { user: payload.recipient.user } : {}),
        ...(step ? { step: Number(step[1]) + 1 } : {}),
        ...(r.incident_id ? { incidentId: r.incident_id } : {}),
      };
    });
  }

  async close(): Promise<void> {
    try {
      await this.ops.stop();
    } finally {
      await this.store.close();
      await rm(this.dir, { recursive: true, force: true });
    }
  }

  /** Every incident so far, oldest first, numbered in the order this test first saw them open. */
  private async incidents(): Promise<Array<Incident & { ordinal: number }>> {
    const list = (await this.ops.incidents.listAll()).sort((a, b) => a.openedAt - b.openedAt || a.id.localeCompare(b.id));
    for (const i of list) if (!this.ordinals.has(i.id)) this.ordinals.set(i.id, this.ordinals.size + 1);
    return list.map((i) => ({ ...i, ordinal: this.ordinals.get(i.id)! }));
  }
}
