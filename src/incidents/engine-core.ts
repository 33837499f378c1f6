import { sql } from 'kysely';
import type { Transaction } from 'kysely';
import type { AlertEvent } from '../alerts/types.js';
import { systemActor, type Actor } from '../identity/index.js';
import type { Clock } from '../lib/clock.js';
import { OpsbookError } from '../lib/errors/index.js';
import { newId } from '../lib/ids.js';
import {
  appendAuditEntriesIn,
  auditCommitted,
  type AuditEntry,
  appendTimelineRow,
  findIncident,
  listHeldIncidents,
  listIncidentAlerts,
  updateIncident,
  type Database,
  type Store,
} from '../store/index.js';
import { incidentFromRow, timelineFromRow } from './rows.js';
import { SeverityLadder } from './severity.js';
import { SilenceBook,  } from './silences.js';
import { describeSuppression, findSuppression, suppressionWarning } from './suppression.js';
import type {
  BusinessHours,
  Incident,
  IncidentEffect,
  MaintenanceWindow,
  Severity,
  Silence,
  Suppression,
  TimelineEntry,
  TimelineKind,
} from './types.js';
import { OPEN_STATES } from './types.js';
import { utcSecond } from '../lib/instants.js';
import { responseDueAt } from './business-hours.js';
import { escalationStart } from './response-target.js';


export type Trx = Transaction<Database>;
export const ALERTS_ACTOR = systemActor('alerts');
export const INCIDENTS_ACTOR = systemActor('incidents');

export interface IncidentConfig {
  severities?: readonly Severity[];
  businessHours?: readonly BusinessHours[];
  maintenance?: readonly MaintenanceWindow[];
  /** Silences from ops.yaml; runtime silences live in the store. */
  silences?: readonly Silence[];
}

/**
 * What every incident action shares: the ladder, calendars, windows and silences; the timeline
 * writer; the held-notification logic; and `write`, which serialises actions, runs each in one
 * transaction and audits it. IncidentService adds the actions themselves.
 */
export abstract class IncidentCore {
  protected ladder: SeverityLadder;
  protected calendars: Map<string, BusinessHours>;
  protected windows: readonly MaintenanceWindow[];
  readonly silences: SilenceBook;
  protected queue: Promise<unknown> = Promise.resolve();
  /** Called in every write's transaction before it writes: fencing, when several processes share the store. */
  fence: ((trx: Trx) => Promise<void>) | undefined;
  /**
   * Reads that every alert of a batch makes alike (live silences, recent changes), once per
   * transaction and instant: nothing in an alert batch writes them.
   */
  private readonly sameInTransaction = new WeakMap<Trx, Map<string, Promise<unknown>>>();

  constructor(
    protected readonly store: Store,
    protected readonly clock: Clock,
    config: IncidentConfig = {},
  ) {
    this.ladder = new SeverityLadder(config.severities);
    this.calendars = new Map((config.businessHours ?? []).map((b) => [b.id, b]));
    this.windows = config.maintenance ?? [];
    this.silences = new SilenceBook(store, clock, config.silences ?? []);
  }

  /** Takes a reloaded config; open incidents keep their severity and due times. */
  configure(config: IncidentConfig): void {
    this.ladder = new SeverityLadder(config.severities);
    this.calendars = new Map((config.businessHours ?? []).map((b) => [b.id, b]));
    this.windows = config.maintenance ?? [];
    this.silences.setConfigured(config.silences ?? []);
  }

  get severityLadder(): SeverityLadder {
    return this.ladder;
  }
  async suppressionFor(labels: Record<string, string>, at = this.clock.now()): Promise<Suppression | undefined> {
    return findSuppression(labels, at, this.windows, await this.silences.live(at));
  }

  /** `load` once per transaction and `key` (see sameInTransaction). */
  protected once<T>(trx: Trx, key: string, load: () => Promise<T>): Promise<T> {
    let reads = this.sameInTransaction.get(trx);
    if (!reads) this.sameInTransaction.set(trx, (reads = new Map()));
    let read = reads.get(key) as Promise<T> | undefined;
    if (!read) reads.set(key, (read = load()));
    return read;
  }

  protected suppression(incident: Incident): Suppression | undefined {
    return incident.heldBy && incident.heldBy.until > this.clock.now() ? incident.heldBy : undefined;
  }

  /**
   * The notification for an opening (or re-opening): sent with escalation, or held when a window or
   * silence matches, in which case the timeline says what held it and until when.
   */
  protected async announce(trx: Trx, incident: Incident, event: 'opened' | 'reopened'): Promise<IncidentEffect[]> {
    const now = this.clock.now();
    const held = findSuppression({ ...incident.labels, severity: incident.severity }, now, this.windows, await this.once(trx, `silences@${now}`, () => this.silences.live(now, trx)));
    if (held) {
      await updateIncident(trx, incident.id, { held_notification: JSON.stringify(held) });
      await this.note(trx, incident.id, now, 'suppressed', INCIDENTS_ACTOR.name,
        `notification held by ${describeSuppression(held)} until ${utcSecond(held.until)} (at its end: ${held.onEnd})${suppressionWarning(held)}`, { ...held });
      return [this.notify(incident, event, held)];
    }
    return [this.notify(incident, event), this.escalate(incident)];
  }

  /**
   * Runs the end of windows and silences: every held incident whose suppressor has ended is either
   * notified now (`on_end: notify_if_firing`, while the incident is open and has a firing alert or
   * was opened by hand), or has its notification dropped (`on_end: drop`). If another window or
   * silence still matches, the notification stays held under that one. Call at `nextReleaseAt()`.
   * `only`: the incidents (by id) this call may release (several processes on one PostgreSQL: those
   * of one partition, under its lease); the others are left as they are. `pages`: writes each
   * released page in this transaction, so the release and its page commit together (see ReleasedPages).
   */
  releaseHeld(only?: (incidentId: string) => boolean, pages?: ReleasedPages): Promise<IncidentEffect[]> {
    return this.write(async (trx) => {
      const now = this.clock.now();
      const effects: IncidentEffect[] = [];
      const live = await this.silences.live(now, trx);
      for (const row of await listHeldIncidents(trx)) {
        if (only && !only(row.id)) continue;
        const incident = incidentFromRow(row);
        const held = incident.heldBy!;
        const endedEarly = held.kind === 'silence' && !live.some((s) => s.id === held.id);
        if (held.until > now && !endedEarly) continue;
        const next = findSuppression({ ...incident.labels, severity: incident.severity }, now, this.windows, live);
        if (next) {
          await updateIncident(trx, incident.id, { held_notification: JSON.stringify(next) });
          await this.note(trx, incident.id, now, 'suppressed', INCIDENTS_ACTOR.name, `${describeSuppression(held)} ended; still held by ${describeSuppression(next)}${suppressionWarning(next)}`, { ...next });
          continue;
        }
        const firing = incident.source === 'manual' || (await listIncidentAlerts(trx, incident.id)).some((a) => a.state === 'firing');
        // Only an incident nobody has answered is paged (one answered while held had its page dropped then).
        if (held.onEnd === 'notify_if_firing' && incident.state === 'triggered' && firing) {
          const restarted = this.responseClockFrom(incident, now);
          const released = [this.notify(restarted, 'released'), this.escalate(restarted)];
          if (await this.releaseWithPage(trx, restarted, held, released, pages)) effects.push(...released);
        } else {
          const why = held.onEnd === 'drop' ? 'on_end: drop' : OPEN_STATES.includes(incident.state) && incident.state !== 'triggered' ? `${incident.state} during it` : 'no alert is firing';
          await this.unhold(trx, incident.id, now, `${describeSuppression(held)} ended: held notification dropped (${why})`, { ...held, released: false });
        }
      }
      return effects;
    }, () => undefined);
  }

  /**
   * Releases one held page: the held notification cleared, the timeline line, and (with `pages`)
   * the page itself, under a savepoint. A page that cannot be written rolls the release back: the
   * incident stays held, its release tried again at the next call, and false is returned.
   */
  private async releaseWithPage(trx: Trx, incident: Incident, held: Suppression, released: IncidentEffect[], pages: ReleasedPages | undefined): Promise<boolean> {
    const now = this.clock.now();
    if (pages) await sql`savepoint held_release`.execute(trx);
    try {
      await updateIncident(trx, incident.id, { response_from: incident.responseFrom ?? null, response_due_at: incident.responseDueAt ?? null });
      await this.unhold(trx, incident.id, now, `${describeSuppression(held)} ended with the incident still open: notifying now`, { ...held, released: true });
      await pages?.start(trx, incident, released);
    } catch (err) {
      if (!pages) throw err;
      // A full disk or a lost connection fails the whole transaction (SQLite may have rolled it back already).
      await sql`rollback to savepoint held_release`.execute(trx).catch(() => {
        throw err;
      });
      pages.failed(incident.id, err);
      return false;
    }
    if (pages) await sql`release savepoint held_release`.execute(trx);
    return true;
  }

  /**
   * The incident with its response clock started at `at` (a held page going out): the due time
   * counted from there, business hours included, so the row (the page, the API, the report) and
   * the escalation agree. Written with the release (releaseWithPage).
   */
  private responseClockFrom(incident: Incident, at: number): Incident {
    const { responseDueAt: _old, ...rest } = incident;
    const due = responseDueAt(this.ladder.get(incident.severity).response, at, this.calendars);
    return { ...rest, responseFrom: at, ...(due !== undefined ? { responseDueAt: due } : {}) };
  }

  /** When the next held notification (of the incidents `only` keeps) falls due for `releaseHeld` (a window or silence ends). */
  async nextReleaseAt(only?: (incidentId: string) => boolean): Promise<number | undefined> {
    const held = (await this.heldUntil()).filter((h) => !only || only(h.incidentId)).map((h) => h.until);
    return held.length ? Math.min(...held) : undefined;
  }

  /** Each incident whose notification is held, with when its window or silence ends. */
  async heldUntil(): Promise<Array<{ incidentId: string; until: number }>> {
    return (await listHeldIncidents(this.store.db)).map((r) => ({ incidentId: r.id, until: incidentFromRow(r).heldBy!.until }));
  }

  // ---- internals -----------------------------------------------------------------------------

  protected notify(incident: Incident, event: Extract<IncidentEffect, { kind: 'notify' }>['event'], suppressedBy?: Suppression): Extract<IncidentEffect, { kind: 'notify' }> {
    return { kind: 'notify', incidentId: incident.id, event, severity: incident.severity, ...(suppressedBy ? { suppressedBy } : {}) };
  }

  protected escalate(incident: Incident): IncidentEffect {
    return escalationStart(incident);
  }

  /** Clears an incident's held notification, the timeline saying what became of it. */
  protected async unhold(trx: Trx, incidentId: string, at: number, text: string, data: Record<string, unknown>): Promise<void> {
    await updateIncident(trx, incidentId, { held_notification: null });
    await this.note(trx, incidentId, at, 'suppressed', INCIDENTS_ACTOR.name, text, data);
  }

  protected async note(trx: Trx, incidentId: string, at: number, kind: TimelineKind, actor: string, text: string, data: Record<string, unknown>): Promise<TimelineEntry> {
    const row = await appendTimelineRow(trx, { id: newId('tl', at), incident_id: incidentId, at, kind, actor, text, data: JSON.stringify(data) });
    return timelineFromRow(row);
  }

  protected async mustGet(trx: Trx, id: string): Promise<Incident> {
    const row = await findIncident(trx, id);
    if (!row) throw new OpsbookError('OPSBOOK_E_INCIDENT_UNKNOWN', `no incident with id ${id}`, { details: { id } });
    return incidentFromRow(row);
  }

  protected async reload(trx: Trx, id: string): Promise<Incident> {
    return this.mustGet(trx, id);
  }

  /**
   * Runs `work` in one transaction, one call at a time in this process and under an advisory lock
   * on PostgreSQL, with the audit entry `audit` describes appended in the same transaction.
   */
  protected write<T>(
    work: (trx: Trx) => Promise<T>,
    audit: (result: T) => AuditNote | readonly (AuditNote | undefined)[] | undefined,
  ): Promise<T> {
    const run = async (): Promise<T> => {
      let appended: AuditEntry | undefined;
      const result = await this.store.db.transaction().execute(async (trx) => {
        if (this.store.dialect === 'postgres') await sql`select pg_advisory_xact_lock(${INCIDENT_WRITE_LOCK})`.execute(trx);
        await this.fence?.(trx);
        const r = await work(trx);
        // In the action's transaction: a crash keeps both or neither.
        const noted = audit(r);
        const at = this.clock.now();
        const inputs = (Array.isArray(noted) ? noted : [noted]).filter((e): e is AuditNote => e !== undefined).map((entry) => ({
          at,
          actor: entry.actor.name,
          action: entry.action,
          subject: entry.subject ?? `incident:${entry.incidentId}`,
          details: entry.details,
        }));
        appended = (await appendAuditEntriesIn(trx, this.store.dialect, inputs)).at(-1);
        return r;
      });
      if (appended) auditCommitted(this.store.db, appended);
      return result;
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

/**
 * The PostgreSQL advisory lock incident writers hold in their transaction (timeline numbering);
 * another writer of incident rows takes it too.
 */
export const INCIDENT_WRITE_LOCK = 7410004;

/**
 * How `releaseHeld` sends the pages it releases in its own transaction: a page that is released
 * commits with its escalation and first pages, as an opening does, and a release whose page cannot
 * be written does not happen (a release committed alone, its page sent after, would lose the page
 * to a crash or a failed write in between: the incident no longer held, nothing would send it again).
 */
export interface ReleasedPages {
  /** Writes the page of a released incident (its `released` effects) in `trx`; a throw keeps the incident held. */
  start(trx: Trx, incident: Incident, released: readonly IncidentEffect[]): Promise<void>;
  /** The release of `incidentId` was rolled back, its page not written: it is tried again at the next release. */
  failed(incidentId: string, err: unknown): void;
}

/** The audit entry a write appends after its commit. */
export interface AuditNote {
  actor: Actor;
  action: string;
  incidentId?: string;
  subject?: string;
  details: Record<string, unknown>;
}

export function alertData(event: AlertEvent): Record<string, unknown> {
  return {
    dedupKey: event.dedupKey, ruleId: event.ruleId, severity: event.severity, labels: event.labels, annotations: event.annotations,
    ...(event.value !== undefined ? { value: event.value } : {}),
    ...(event.runbook ? { runbook: event.runbook } : {}),
  };
}
