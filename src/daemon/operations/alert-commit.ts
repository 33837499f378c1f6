/**
 * How alerts become incidents: each alert (or group of alerts, one transaction) goes through the
 * incident engine, repeats of a firing alert are answered from memory, and the results' effects
 * (escalations, pages, held-page timers, executions closed) go out. A store too full to record an
 * alert pages it from memory (see StoreFullMode).
 */
import type { Transaction } from 'kysely';
import type { AlertEvent } from '../../alerts/index.js';
import type { CommitEvents } from '../../alerts/engine.js';
import type { ExecutionService } from '../../executions/index.js';
import { OPEN_STATES, type IncidentEffect, type IncidentResult, type IncidentService } from '../../incidents/index.js';
import { isStoreFull, type Database } from '../../store/index.js';
import type { IncidentEffects, StartedInTransaction } from './effects.js';
import { FiringAlerts } from './firing-alerts.js';
import type { HeldPages } from './held-pages.js';
import type { Pipeline } from './pipeline.js';
import type { StoreFullMode } from './store-full.js';

/** How long a repeat of a firing alert is answered from memory (see `firingAlerts`). */
const DEDUP_WINDOW_MS = 60_000;

/** A full store's alerts were paged from memory (onAlertEvents); any other failure is the pipeline's. */
export function pagedFromMemory(e: unknown): void {
  if (!isStoreFull(e)) throw e;
}

export class AlertCommit {
  /**
   * Alerts known to be firing in an open incident, by dedup key. Senders repeat a firing alert
   * (Alertmanager every group_interval, event sources on every evaluation); a repeat with the same
   * severity within DEDUP_WINDOW_MS changes nothing and skips the store. Any change to the incident
   * through this process drops its entries; other processes' changes are seen within the window.
   */
  readonly firingAlerts = new FiringAlerts(DEDUP_WINDOW_MS);

  constructor(
    private readonly pipeline: Pipeline,
    private readonly incidents: IncidentService,
    private readonly effects: IncidentEffects,
    private readonly storeFull: StoreFullMode,
    private readonly heldPages: HeldPages,
    /** The running daemon's execution service; undefined in a CLI. */
    private readonly executions: () => ExecutionService | undefined,
  ) {}

  /**
   * The alerts of this process's rules, with the rule state that produced them, in one transaction:
   * a process that dies (or loses its lease) between the two leaves neither, so the next run fires
   * again where a state saved `firing` alone would never open the incident.
   */
  readonly commitAlerts: CommitEvents = async (events, saveSeries) => {
    await this.onAlertEvents(events, saveSeries);
  };

  async onAlertEvent(event: AlertEvent): Promise<IncidentResult | undefined> {
    const now = this.pipeline.daemon.clock.now();
    if (event.kind === 'firing') {
      if (this.firingAlerts.isKnown(event.dedupKey, event.severity, now)) return undefined;
    }
    let result: IncidentResult | undefined;
    try {
      result = await this.incidents.onAlert(event);
    } catch (e) {
      // Pages matter more than history: an alert the store cannot record is paged from memory.
      if (!isStoreFull(e)) throw e;
      if (event.kind === 'resolved') this.firingAlerts.forgetKey(event.dedupKey);
      this.storeFull.onFull(e, event);
      return undefined;
    }
    await this.afterAlert(event, result, now);
    return result;
  }

  /** The repeat cache learns what an alert did; its effects go out. */
  private async afterAlert(event: AlertEvent, result: IncidentResult | undefined, now: number): Promise<void> {
    this.learn(event, result, now);
    if (!result) return;
    try {
      await this.applyEffects(result);
    } catch (e) {
      // The incident was recorded but its page could not be: page from memory; the escalation starts on recovery.
      if (!isStoreFull(e)) throw e;
      this.firingAlerts.forgetIncident(result.incident.id);
      this.storeFull.onFull(e, result.effects.some((x) => x.kind === 'start_escalation') ? event : undefined);
    }
  }

  private learn(event: AlertEvent, result: IncidentResult | undefined, now: number): void {
    if (result) {
      this.firingAlerts.forgetIncident(result.incident.id);
      if (event.kind === 'firing' && OPEN_STATES.includes(result.incident.state)) {
        this.firingAlerts.remember(event.dedupKey, result.incident.id, event.severity, now);
      }
    } else {
      this.firingAlerts.forgetKey(event.dedupKey);
      // A resolve with no incident may end an alert paged from memory whose record is still waiting.
      if (event.kind === 'resolved') this.storeFull.resolvedUnrecorded(event);
    }
  }

  /**
   * Alerts in one transaction with their incidents' escalations and first pages, then their other
   * effects. `saveSeries` (alerts from this process's rules): the rule state that produced them is
   * saved in that transaction too, and a failed write is thrown once the alerts are paged from memory.
   */
  async onAlertEvents(events: readonly AlertEvent[], saveSeries?: (trx: Transaction<Database>) => Promise<void>): Promise<(IncidentResult | undefined)[]> {
    const now = this.pipeline.daemon.clock.now();
    const fresh: number[] = [];
    events.forEach((e, i) => {
      if (e.kind !== 'firing' || !this.firingAlerts.isKnown(e.dedupKey, e.severity, now)) fresh.push(i);
    });
    const out: (IncidentResult | undefined)[] = events.map(() => undefined);
    if (fresh.length === 0) return out;
    let results: (IncidentResult | undefined)[];
    // The escalations of the incidents the group opens start in its transaction (see startInTransaction).
    let inTransaction = undefined as StartedInTransaction | undefined;
    try {
      results = await this.incidents.onAlerts(fresh.map((i) => events[i]!), async (trx, rs) => {
        await saveSeries?.(trx);
        inTransaction = await this.effects.startInTransaction(trx, rs.flatMap((r) => (r ? r.effects.map((effect) => ({ effect, incident: r.incident })) : [])));
      });
    } catch (e) {
      inTransaction?.failed();
      // Pages matter more than history: alerts the store cannot record are paged from memory.
      if (!isStoreFull(e)) throw e;
      for (const i of fresh) {
        // A resolve held for its replay: a firing alert of the same key is no repeat meanwhile.
        if (events[i]!.kind === 'resolved') this.firingAlerts.forgetKey(events[i]!.dedupKey);
        this.storeFull.onFull(e, events[i]!);
      }
      if (saveSeries) throw e;
      return out;
    }
    // The first pages go to the outbox worker before anything else of the group.
    const started = inTransaction?.started ?? new Set<IncidentEffect>();
    await inTransaction?.committed();
    const done: Array<{ event: AlertEvent; result: IncidentResult }> = [];
    for (const [j, result] of results.entries()) {
      const event = events[fresh[j]!]!;
      out[fresh[j]!] = result;
      this.learn(event, result, now);
      if (result) done.push({ event, result });
    }
    // The alerts are committed: their effects go out however the effects fare (a lost escalation
    // start is found by the reconciliation at the next start).
    await this.applyAllEffects(done.map((d) => d.result), started).catch((err: unknown) => {
      if (!isStoreFull(err)) return this.pipeline.daemon.logger.error({ err }, 'effects of an alert group failed');
      // Recorded, but their pages could not be: paged from memory; the escalations start on recovery.
      for (const { event, result } of done) {
        if (!result.effects.some((x) => x.kind === 'start_escalation' && !started.has(x))) continue;
        this.firingAlerts.forgetIncident(result.incident.id);
        this.storeFull.onFull(err, event);
      }
    });
    return out;
  }

  /** `applied`: effects already applied (an escalation started with its incident). */
  async applyEffects(result: IncidentResult, applied: ReadonlySet<IncidentEffect> = new Set()): Promise<void> {
    this.pipeline.emit({ type: 'incident', incident: result.incident });
    for (const effect of result.effects) if (!applied.has(effect)) await this.effects.apply(effect, result.incident);
    if (result.incident.heldBy) await this.heldPages.armReleaseTimer();
    if (result.incident.state === 'resolved') await this.closeExecutions(result.incident.id);
  }

  /** A resolved incident's runbook executions end with it (in a CLI, which has no execution service, from the store). */
  private async closeExecutions(incidentId: string): Promise<void> {
    const { store, clock, logger } = this.pipeline.daemon;
    try {
      const executions = this.executions();
      if (executions) await executions.closeForIncident(incidentId);
      else await (await import('../../executions/index.js')).closeExecutionsOfIncident({ store, clock, logger }, incidentId);
    } catch (e) {
      logger.error({ err: e, incident: incidentId }, 'could not close the executions of a resolved incident');
    }
  }

  /**
   * The effects of several results, in order; escalation starts next to each other share a
   * transaction. `applied`: effects already applied (escalations started with their incidents).
   */
  private async applyAllEffects(results: readonly IncidentResult[], applied: ReadonlySet<IncidentEffect> = new Set()): Promise<void> {
    for (const r of results) this.pipeline.emit({ type: 'incident', incident: r.incident });
    await this.effects.applyAll(results.flatMap((r) => r.effects.flatMap((effect) => (applied.has(effect) ? [] : [{ effect, incident: r.incident }]))));
    if (results.some((r) => r.incident.heldBy)) await this.heldPages.armReleaseTimer();
    for (const r of results) if (r.incident.state === 'resolved') await this.closeExecutions(r.incident.id);
  }
}
