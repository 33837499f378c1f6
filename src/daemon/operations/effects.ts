import { sql, type Transaction } from 'kysely';
import { escalationStart, incidentFromRow, responseClockStart, type Incident, type IncidentEffect, type IncidentService } from '../../incidents/index.js';
import { cancelPages, LeasedRows, notificationOf, signalOutbox, type OutboxRow, type OutboxTaker, type SettledAttempt } from '../../notify/index.js';
import type { EscalationDriver, EscalationNotice, EscalationState } from '../../oncall/index.js';
import { appendTimelineLineOfKnownIncident, deletePushSubscription, existingIncidentIds, findIncident, getEscalation, listOutbox, type Database } from '../../store/index.js';
import { newId } from '../../lib/ids.js';
import { INCIDENT_WRITE_LOCK } from '../../incidents/index.js';
import type { OperationsHost } from './host.js';
import { enqueueNotice, policyChannels, policyFor, type TimelineNote } from './paging.js';
import { pagedChannels, statusChannels, StatusUpdates, stopIsNews, type ChannelEvent } from './status-updates.js';
import { FAILING_CHANNEL_LABEL, isGoneSubscription } from './paging-watch.js';

/**
 * What an incident's change sets off, applied: escalations started and stopped, status updates to
 * the policy's channels, and the timeline lines for pages and deliveries. The pipeline calls it from
 * its queue; the escalation driver and the outbox worker call back into it.
 */
export class IncidentEffects {
  /**
   * Per transaction that starts escalations, for `onNotice` inside it: the incidents it starts and
   * the rows it writes leased to the outbox worker. Keyed by the transaction, so another one running
   * meanwhile (the escalation driver's, a person's action) never takes them for its own.
   */
  private readonly starting = new WeakMap<Transaction<Database>, Starting>();

  private readonly updates: StatusUpdates;

  constructor(
    private readonly host: Pick<OperationsHost, 'store' | 'clock' | 'config' | 'logger' | 'cluster'>,
    private readonly incidents: IncidentService,
    private readonly escalations: EscalationDriver,
    /** This process's outbox worker: an escalation's first pages go to it as their transaction commits. */
    private readonly outbox?: OutboxTaker,
  ) {
    this.updates = new StatusUpdates(host);
  }

  /**
   * An escalation step reached people: its outbox rows and their timeline lines, both in the step's
   * transaction, so they commit together or not at all. A step rolled back (a later statement
   * failed, fencing refused it) leaves no line saying people were paged, and a line is written under
   * the lease its step was fenced by, in its place among the incident's lines.
   */
  async onNotice(notice: EscalationNotice, trx: Transaction<Database>): Promise<void> {
    // Read through the step's transaction: on SQLite (one connection) a read outside it would wait forever.
    // The incident whose escalation this transaction is starting is known already; any other is read.
    const starting = this.starting.get(trx);
    let incident = starting?.incidents.get(notice.incidentId);
    const leased = incident ? starting?.leased : undefined;
    if (!incident) {
      const row = await findIncident(trx, notice.incidentId);
      if (!row) return;
      incident = incidentFromRow(row);
    }
    const notes = await enqueueNotice(trx, this.host.clock, this.host.config, incident, notice, undefined, leased);
    // The incident exists: it was opened in this transaction or read in it.
    await this.writeNotes(trx, notes);
  }

  /**
   * A page's timeline lines, in the transaction that wrote its outbox rows, of an incident known to
   * exist in it. Under the incident writers' lock on PostgreSQL (see `lockIncidentWrites`).
   */
  async writeNotes(trx: Transaction<Database>, notes: readonly TimelineNote[]): Promise<void> {
    if (notes.length === 0) return;
    // Held already (every transaction that pages takes it first): taken again it does not wait.
    await this.lockIncidentWrites(trx);
    const at = this.host.clock.now();
    for (const n of notes) {
      await appendTimelineLineOfKnownIncident(trx, { id: newId('tl', at), incident_id: n.incidentId, at, kind: n.kind, actor: 'system:escalation', text: n.text, data: JSON.stringify(n.data) });
    }
  }

  /**
   * On PostgreSQL, the incident writers' advisory lock, which orders timeline numbering across
   * processes. Every transaction that writes an incident's lines takes it first, before its fencing
   * check and any row it writes: one that waited for it while holding rows could deadlock with a
   * holder that needs them.
   */
  async lockIncidentWrites(trx: Transaction<Database>): Promise<void> {
    if (this.host.store.dialect === 'postgres') await sql`select pg_advisory_xact_lock(${INCIDENT_WRITE_LOCK})`.execute(trx);
  }

  /**
   * Applies one effect of an incident's change. `known` is the incident as the change that produced
   * the effect committed it (saves reading it again); without it the incident is read.
   */
  async apply(effect: IncidentEffect, known?: Incident): Promise<void> {
    const { config, store } = this.host;
    const incident = known?.id === effect.incidentId ? known : await this.incidents.get(effect.incidentId);
    const policyId = policyFor(config, incident);
    switch (effect.kind) {
      case 'start_escalation': {
        if (!policyId) {
          // No policy configured: every channel hears about it, so nothing opens in silence.
          await this.toChannels(config.channels.map((c) => c.id), incident, 'incident.triggered');
          return;
        }
        // A failing channel's incident goes to every other channel too, with its escalation's start.
        await this.startEscalations([{ effect, incident, policyId }]);
        return;
      }
      case 'stop_escalation': {
        // Someone answered: pages still retrying would reach on-call stale once the channel recovers.
        await this.cancelStalePages(incident.id, `incident ${effect.reason}`);
        // Status updates go only where someone was paged: an incident whose page a window held
        // back and that resolved inside it stays quiet. Every channel of the policy hears it.
        // The stop and its status updates commit together: an update that cannot be written
        // leaves the escalation running (or, resolving, not resolved), and the look for missed
        // pages stops it and sends them. A resolution is news for the channels whether or not an
        // acknowledgement stopped the chain before (see stopIsNews).
        const channels = await statusChannels(store.db, incident.id, policyChannels(config, policyId));
        const event = effect.reason === 'acknowledged' ? 'incident.acknowledged' : 'incident.resolved';
        const told = await store.db.transaction().execute(async (trx) => {
          await this.lockIncidentWrites(trx);
          await this.host.cluster?.fence(trx, 'escalation stop');
          if (!stopIsNews(effect.reason, await this.escalations.stop(incident.id, effect.reason, effect.by, trx))) return 0;
          return (await this.updates.writeIn(trx, this.updates.recipients(channels, incident, effect.by), incident, event)).length;
        });
        if (told > 0) signalOutbox();
        return;
      }
      case 'notify': {
        if (effect.suppressedBy) return; // held: the timeline says by what; released later or dropped
        // A resolution's update is written with its escalation's stop, a re-opening's with its
        // escalation's start (see startEscalationsTogether).
        if (effect.event === 'severity_raised') await this.raiseSeverity(incident);
        return;
      }
    }
  }

  /**
   * Applies effects in order; escalation starts that follow each other (an alert group's new
   * incidents) start in one transaction. Notifications that send nothing (an opening's) do not
   * separate them.
   */
  async applyAll(items: ReadonlyArray<{ effect: IncidentEffect; incident: Incident }>): Promise<void> {
    const run: StartingEscalation[] = [];
    const flush = async () => {
      if (run.length > 0) await this.startEscalations(run.splice(0));
    };
    for (const { effect, incident } of items) {
      const policyId = effect.kind === 'start_escalation' && !incident.labels[FAILING_CHANNEL_LABEL] ? policyFor(this.host.config, incident) : undefined;
      if (effect.kind === 'start_escalation' && policyId) {
        run.push({ effect, incident, policyId });
        continue;
      }
      if (effect.kind === 'notify' && (effect.suppressedBy || !NOTIFY_ACTS.includes(effect.event))) continue;
      await flush();
      await this.apply(effect, incident);
    }
    await flush();
  }

  /**
   * Starts, inside `trx` (an alert group's own transaction, before its commit), the escalations of
   * the incidents the group opened: the incident, its timeline, its escalation, its first pages'
   * outbox rows and their timeline lines then commit together, one transaction instead of two.
   * Only a new incident's start whose policy is known is taken (a re-opened incident's, or one
   * with other effects in the group, keeps its place in `applyAll`). The starts run under a
   * savepoint: one that fails is rolled back alone and left to `applyAll`, so it never holds back
   * the alerts. `committed` hands the first pages to the outbox worker once the group commits;
   * `failed` frees their slots when it does not. `started` holds the effects `applyAll` must skip.
   */
  async startInTransaction(trx: Transaction<Database>, items: ReadonlyArray<{ effect: IncidentEffect; incident: Incident }>): Promise<StartedInTransaction> {
    const none: StartedInTransaction = { started: new Set(), committed: async () => {}, failed: () => {} };
    const others = new Set<string>();
    for (const { effect } of items) if (effect.kind !== 'start_escalation' && !(effect.kind === 'notify' && effect.event === 'opened')) others.add(effect.incidentId);
    const opened = new Set(items.flatMap(({ effect }) => (effect.kind === 'notify' && effect.event === 'opened' && !effect.suppressedBy ? [effect.incidentId] : [])));
    const starts: StartingEscalation[] = [];
    for (const { effect, incident } of items) {
      if (effect.kind !== 'start_escalation' || !opened.has(incident.id) || others.has(incident.id) || incident.labels[FAILING_CHANNEL_LABEL]) continue;
      const policyId = policyFor(this.host.config, incident);
      if (policyId && this.escalations.hasPolicy(policyId)) starts.push({ effect, incident, policyId });
    }
    if (starts.length === 0) return none;
    const leased = this.outbox ? new LeasedRows(this.outbox) : undefined;
    // The group's transaction is an incident write: it holds the incident writers' lock already.
    this.starting.set(trx, { incidents: new Map(starts.map((s) => [s.incident.id, s.incident])), leased });
    try {
      await sql`savepoint escalation_starts`.execute(trx);
      try {
        await this.host.cluster?.fence(trx, 'escalation start');
        for (const { effect, incident, policyId } of starts) {
          await this.escalations.start(escalatedIncident(effect, incident), policyId, trx, true);
        }
      } catch (err) {
        // A full disk or a lost connection fails the whole transaction (SQLite may have rolled it
        // back already): the error goes to the alert group, which pages from memory when full.
        leased?.abandon();
        await sql`rollback to savepoint escalation_starts`.execute(trx).catch(() => {
          throw err;
        });
        this.host.logger.error({ err, incidents: starts.map((s) => s.incident.id) }, 'escalations could not start with their incidents; starting them after the commit');
        return none;
      }
      await sql`release savepoint escalation_starts`.execute(trx);
    } finally {
      this.starting.delete(trx);
    }
    return {
      started: new Set(starts.map((s) => s.effect)),
      committed: async () => {
        if (leased && leased.handOver() > 0) await new Promise<void>((resolve) => process.nextTick(resolve));
        if (leased?.pendingWritten !== 0) signalOutbox();
      },
      failed: () => leased?.abandon(),
    };
  }

  /**
   * Writes, inside `trx` (the release's own transaction, see ReleasedPages), the page of an incident
   * whose held notification a window's or silence's end releases: its escalation and first pages'
   * outbox rows with their timeline lines, or without a policy the channels' notifications with
   * theirs. A throw leaves the rollback to the release. The rows are written pending: `afterCommit`
   * wakes the outbox worker once the release commits.
   */
  async startReleased(trx: Transaction<Database>, incident: Incident, released: readonly IncidentEffect[]): Promise<void> {
    for (const effect of released) {
      // The release is an incident write: it holds the incident writers' lock already.
      if (effect.kind === 'start_escalation') await this.startIn(trx, incident, effect);
    }
  }

  /**
   * A person escalates now (see `escalateNow`), inside `trx`, their action's transaction, whose
   * writer holds the incident writers' lock: the next step of the incident's escalation (`state`,
   * as read in `trx`) is paged as its timeout would page it, and the chain runs on from it, also
   * one people had stopped (see `EscalationDriver.escalate`); an incident without one has its
   * escalation started.
   * The pages' outbox rows and timeline lines commit with the action, written pending: the caller
   * wakes the outbox worker once it commits. The step paged (undefined: none, nothing written); a
   * start pages the first step its severity applies to (see `firstStep`), not always step 1.
   */
  async escalateIn(trx: Transaction<Database>, incident: Incident, state: EscalationState | undefined): Promise<{ stepIndex: number; round: number } | undefined> {
    await this.host.cluster?.fence(trx, 'escalation now');
    if (state) return this.escalations.escalate(trx, state);
    if (!(await this.startIn(trx, incident, escalationStart(incident)))) return undefined;
    const started = await this.escalations.stateIn(trx, incident.id);
    return started && started.stepIndex >= 0 ? { stepIndex: started.stepIndex, round: started.round } : undefined;
  }

  /**
   * Writes, inside `trx`, whose writer holds the incident writers' lock, the start of an incident's
   * escalation: the escalation and its first pages' outbox rows with their timeline lines, or without
   * a policy the channels' notifications with theirs. Whether an escalation started.
   */
  private async startIn(trx: Transaction<Database>, incident: Incident, effect: Extract<IncidentEffect, { kind: 'start_escalation' }>): Promise<boolean> {
    const { config } = this.host;
    const policyId = policyFor(config, incident);
    // A failing channel's incident goes to every other channel too; with no policy, every channel hears about it.
    if (incident.labels[FAILING_CHANNEL_LABEL] || !policyId) {
      await this.updates.writeIn(trx, this.updates.recipients(config.channels.map((c) => c.id), incident), incident, 'incident.triggered');
    }
    if (!policyId) return false;
    this.starting.set(trx, { incidents: new Map([[incident.id, incident]]), leased: undefined });
    try {
      return await this.escalations.start(escalatedIncident(effect, incident), policyId, trx);
    } finally {
      this.starting.delete(trx);
    }
  }

  /**
   * The incident's severity changed (a person, or a worse alert joining): its escalation's later
   * steps, response target and timed steps follow the new severity; a page that falls due at once
   * (a response target already past) goes out with the change. The response target is the
   * incident's, so the escalation and the response clock people see agree. False when there was
   * nothing to revise (no escalation, or its policy gone).
   */
  async reviseEscalation(incident: Incident, tell: readonly string[] = []): Promise<boolean> {
    let revised = false;
    await this.host.store.db.transaction().execute(async (trx) => {
      await this.lockIncidentWrites(trx);
      revised = await this.reviseIn(trx, incident);
      if (revised && tell.length > 0) await this.updates.writeIn(trx, this.updates.recipients(tell, incident), incident, 'incident.severity_raised');
    });
    if (revised) signalOutbox();
    return revised;
  }

  /**
   * A worse alert joined: the escalation goes on as the new severity's, and the channels already
   * paged hear of it (a pager's urgency follows the severity; PagerDuty triggers under the
   * incident's key), in the revision's transaction: an update that cannot be written leaves the
   * escalation on the old severity, and the look for missed pages revises it and sends the update
   * (see reviseMissed). Only the channels already paged, read before the revision: a timed step
   * the raise makes due pages its channel itself, which is not then told of the raise as well.
   */
  async raiseSeverity(incident: Incident): Promise<boolean> {
    const paged = await pagedChannels(this.host.store.db, incident.id, policyChannels(this.host.config, policyFor(this.host.config, incident)));
    return this.reviseEscalation(incident, paged);
  }

  /**
   * The look for missed pages found the escalation on another severity than its incident's: a
   * worse one is a raise whose revision and update could not be written (both are, now); another
   * is only revised.
   */
  async reviseMissed(incident: Incident): Promise<boolean> {
    const before = (await this.escalations.state(incident.id))?.severity;
    const raised = before !== undefined && before !== incident.severity && this.incidents.severityLadder.worse(before, incident.severity) === incident.severity;
    return raised ? this.raiseSeverity(incident) : this.reviseEscalation(incident);
  }

  /**
   * `reviseEscalation` inside `trx`, whose writer holds the incident writers' lock (a person's
   * severity change): the revision and the pages it makes due commit with the change. True when the
   * incident has an escalation that followed it; `afterCommit` then wakes the outbox worker. An
   * escalation whose stored state is unreadable cannot follow it: the change is made all the same
   * (a person is answered, not refused for a row they cannot repair), and the timeline says so;
   * that escalation's steps fail on their timer, and after a few failures in a row opsbook opens an
   * incident about itself for it (see StuckEscalations).
   */
  async reviseIn(trx: Transaction<Database>, incident: Incident): Promise<boolean> {
    await this.host.cluster?.fence(trx, 'escalation revise');
    // Counted from where the response clock started, as the escalation was (a held page's release, a re-opening).
    const clockFrom = responseClockStart(incident);
    const target = incident.responseDueAt !== undefined ? { responseTargetMs: incident.responseDueAt - clockFrom } : {};
    const revision = await this.escalations.revise({ id: incident.id, openedAt: clockFrom, severity: incident.severity, ...target }, trx);
    if (revision === 'unreadable') {
      this.host.logger.warn({ incident: incident.id, severity: incident.severity }, 'escalation could not follow the new severity: its stored state is unreadable');
      const text = `the escalation could not follow the new severity ${incident.severity}: its stored state is unreadable; its steps are tried again, and opsbook opens an incident about itself if they keep failing`;
      await this.writeNotes(trx, [{ incidentId: incident.id, kind: 'escalation', text, data: { severity: incident.severity, unreadable: true } }]);
    }
    return revision === 'revised';
  }

  /** Starts escalations in one transaction; their first pages' outbox rows and timeline lines commit with them. */
  private async startEscalations(starts: readonly StartingEscalation[]): Promise<void> {
    if (starts.length > 1) {
      // One start that cannot be written (a policy gone in a reload) must not hold back the others' pages.
      const ok = await this.startEscalationsTogether(starts).then(() => true, () => false);
      if (!ok) {
        for (const s of starts) {
          await this.startEscalationsTogether([s]).catch((err: unknown) => this.host.logger.error({ err, incident: s.incident.id }, 'escalation could not start'));
        }
      }
      return;
    }
    await this.startEscalationsTogether(starts);
  }

  /**
   * The first pages are written leased to this process's outbox worker (as many as it has free
   * slots) and handed to it when the transaction commits: they go out in the same turn, without a
   * claim. The rest are written pending and claimed as usual.
   */
  private async startEscalationsTogether(starts: readonly StartingEscalation[]): Promise<void> {
    const leased = this.outbox ? new LeasedRows(this.outbox) : undefined;
    try {
      await this.host.store.db.transaction().execute(async (trx) => {
        await this.lockIncidentWrites(trx);
        await this.host.cluster?.fence(trx, 'escalation start');
        this.starting.set(trx, { incidents: new Map(starts.map((s) => [s.incident.id, s.incident])), leased });
        try {
          for (const { effect, incident, policyId } of starts) {
            // A failing channel's incident goes to every other channel too (its policy may page
            // only through the failing one), in the start's transaction: a broadcast committed
            // alone would hide the unstarted escalation from the look for missed pages, which
            // pages only incidents nobody was told of.
            if (incident.labels[FAILING_CHANNEL_LABEL]) await this.updates.writeIn(trx, this.updates.recipients(this.host.config.channels.map((c) => c.id), incident), incident, 'incident.triggered');
            // A re-opening is news for the channels its first opening paged, told with the new
            // opening's start: an update that cannot be written leaves the escalation stopped,
            // and the look for missed pages starts it and sends the update (see pageMissed).
            // Read before the start writes the new opening's pages.
            const paged = incident.reopened > 0 ? await pagedChannels(trx, incident.id, policyChannels(this.host.config, policyId)) : [];
            const started = await this.escalations.start(escalatedIncident(effect, incident), policyId, trx);
            if (started && paged.length > 0) await this.updates.writeIn(trx, this.updates.recipients(paged, incident), incident, 'incident.reopened');
          }
        } finally {
          this.starting.delete(trx);
        }
      });
    } catch (e) {
      leased?.abandon();
      throw e;
    }
    if (leased && leased.handOver() > 0) {
      // The requests are created; a keep-alive agent writes each on its socket in a process.nextTick,
      // which would wait until the pipeline's chain of promise continuations (each statement is one)
      // ran dry. Yielding here puts the pages on the wire before the rest of the group's work.
      await new Promise<void>((resolve) => process.nextTick(resolve));
    }
    signalOutbox();
  }

  /** `by`: who caused the update; a channel the update came in through (PagerDuty) is not told again. */
  private async toChannels(channelIds: string[], incident: Incident, event: ChannelEvent, by?: string): Promise<void> {
    channelIds = this.updates.recipients(channelIds, incident, by);
    if (channelIds.length === 0) return;
    const created = await this.host.store.db.transaction().execute(async (trx) => {
      await this.host.cluster?.fence(trx, 'status notification');
      return this.updates.enqueue(trx, channelIds, incident, event);
    });
    signalOutbox();
    // One line per outbox row: a second call for the same update (the resolve's stop and its
    // notify both ask) finds the row there and says nothing more.
    for (const channelId of created) {
      await this.incidents.addTimelineEntry(incident.id, { kind: 'notification', actor: 'system:notify', text: `${event.replace('incident.', '')} update sent to channel ${channelId}`, data: { channel: channelId, event } });
    }
  }

  private async cancelStalePages(incidentId: string, reason: string): Promise<void> {
    for (const row of await cancelPages(this.host.store, this.host.clock, incidentId, reason)) {
      await this.deliveryLine(row, `cancelled after ${attempts(row.attempts)} (${reason})`, { attempts: row.attempts, result: 'cancelled' });
    }
  }

  /** The one timeline line of a delivery, rewritten as its attempts go on. */
  private async deliveryLine(row: Pick<OutboxRow, 'id' | 'incident_id' | 'event' | 'channel_id'>, what: string, data: Record<string, unknown>, first = false): Promise<void> {
    if (!row.incident_id) return;
    const line = deliveryLine(row, what, data);
    await this.incidents
      .putTimelineEntry(row.incident_id, line.data.line, { kind: 'delivery', actor: 'system:notify', text: line.text, data: line.data }, first)
      .catch((err: unknown) => this.host.logger.error({ err, incident: row.incident_id }, 'timeline line for a delivery could not be written'));
  }

  /**
   * A step's transaction committed (the escalation driver's): the outbox worker is woken for its
   * pages. Their timeline lines committed with them.
   */
  afterCommit(): void {
    signalOutbox();
  }

  /**
   * Settles delivery attempts that finished together (`settle`, the outbox worker's) and writes, in
   * the same transaction, the timeline line of each first attempt that moved its row: one commit
   * for a burst of deliveries instead of two per delivery. Later attempts rewrite that line in
   * `recordDelivery`. On PostgreSQL under the incident writers' lock, which orders timeline
   * numbering across processes; taken first, as every incident write takes it.
   */
  async settleDeliveries(trx: Transaction<Database>, settle: () => Promise<SettledAttempt[]>): Promise<void> {
    if (this.host.store.dialect === 'postgres') await sql`select pg_advisory_xact_lock(${INCIDENT_WRITE_LOCK})`.execute(trx);
    const at = this.host.clock.now();
    const first = (await settle()).filter(firstLineInTransaction);
    // An incident that is gone gets no line (as putTimelineEntry would refuse); the settlement stands.
    const existing = await existingIncidentIds(trx, [...new Set(first.map((e) => e.row.incident_id!))]);
    for (const e of first) {
      if (!existing.has(e.row.incident_id!)) continue;
      const line = deliveryLine(e.row, deliveryWhat(e), { attempts: e.attempt, result: e.result.state });
      await appendTimelineLineOfKnownIncident(trx, { id: newId('tl', at), incident_id: e.row.incident_id!, at, kind: 'delivery', actor: 'system:notify', text: line.text, data: JSON.stringify(line.data) });
    }
  }

  /** A delivery attempt settled: its delivery's one timeline line says how it stands, with the count. */
  async recordDelivery(e: SettledAttempt): Promise<void> {
    // An attempt that no longer held its row (cancelled meanwhile, or taken over) changes nothing.
    if (!e.moved) return;
    // The row as claimed: what is read from it (incident, channel, event, payload) a claim does not change.
    const row = e.row;
    if (isGoneSubscription(this.host.config, e)) {
      // The browser unsubscribed (404/410 from its push service): forget it so it is not paged again.
      const n = notificationOf(row);
      if (n.recipient) await deletePushSubscription(this.host.store.db, JSON.parse(n.recipient.address).endpoint as string, n.recipient.user).catch(() => false);
    }
    if (!row.incident_id || firstLineInTransaction(e)) return;
    // The first attempt that moved its row writes the delivery's line: nothing wrote one before it.
    await this.deliveryLine(row, deliveryWhat(e), { attempts: e.attempt, result: e.result.state }, e.attempt === 1);
  }

  /**
   * Open incidents whose page never went out (a crash between the incident's commit and its
   * effects): with a policy, its escalation starts; without one, every channel hears about it
   * unless the outbox already holds a notification for it.
   */
  async reconcileEscalations(): Promise<void> {
    const open = await this.incidents.listAll({ state: ['triggered'] });
    for (const incident of open) {
      if (incident.heldBy) continue;
      await this.pageMissed(incident);
    }
  }

  /**
   * Pages a triggered incident nobody was told of (its escalation's start failed after its
   * commit, or a crash came between the two), or whose re-opening did not start its stopped
   * escalation again (the channels its first opening paged hear "reopened" with the start): with a
   * policy its escalation starts, without one every channel hears about it. Nothing when its
   * escalation runs (with a policy) or the outbox holds a notification for it (without). Throws
   * when the page cannot be written; true when it was written (false: there was nothing to write,
   * or nowhere to write it).
   */
  async pageMissed(incident: Incident): Promise<boolean> {
    const policyId = policyFor(this.host.config, incident);
    const notified = async () => (await listOutbox(this.host.store.db, { incidentId: incident.id, limit: 1 })).length > 0;
    if (!policyId) {
      if (await notified()) return false;
    } else {
      // A stopped escalation of a triggered incident is one its re-opening did not start again. Its
      // row's status, not its state: an unreadable state (see the driver's `postpone`) must not fail
      // the look, nor a start's reconciliation, for every incident after it.
      const status = (await getEscalation(this.host.store.db, incident.id))?.status;
      if (status === 'active' || status === 'exhausted') return false;
    }
    await this.apply(escalationStart(incident), incident);
    return policyId !== undefined || (await notified());
  }

  /**
   * Stops the escalation of an incident answered (acknowledged, resolved) while the stop could not
   * be written after the answer's commit: no later step pages anyone for it. Throws when the stop
   * cannot be written.
   */
  async stopAnswered(incident: Incident): Promise<void> {
    const reason = incident.state === 'resolved' || incident.state === 'reviewed' ? 'resolved' : 'acknowledged';
    await this.apply({ kind: 'stop_escalation', incidentId: incident.id, reason, by: 'system:escalation' }, incident);
  }
}

/**
 * The notifications `apply` acts on; the others send nothing of their own (an opening's; a
 * resolution's and a re-opening's updates go with their escalation's stop and start).
 */
const NOTIFY_ACTS: readonly string[] = ['severity_raised'];

/** The incident as its escalation starts it: opened when the effect says, with its response target and opening. */
function escalatedIncident(effect: Extract<IncidentEffect, { kind: 'start_escalation' }>, incident: Incident) {
  const responseTargetMs = effect.responseDueAt !== undefined ? effect.responseDueAt - effect.openedAt : undefined;
  // The re-open count keys the escalation's pages: a re-opening's pages are not its first opening's.
  return { id: incident.id, openedAt: effect.openedAt, severity: incident.severity, epoch: incident.reopened, ...(responseTargetMs !== undefined ? { responseTargetMs } : {}) };
}

/** What `startInTransaction` started, and what follows the group's commit or failure. */
export interface StartedInTransaction {
  started: ReadonlySet<IncidentEffect>;
  committed: () => Promise<void>;
  failed: () => void;
}

/** What a transaction starting escalations knows for `onNotice` inside it. */
interface Starting {
  /** The incidents it starts, as known (not read again). */
  incidents: ReadonlyMap<string, Incident>;
  /** Their first pages, written leased to this process's outbox worker. */
  leased: LeasedRows | undefined;
}

interface StartingEscalation {
  effect: Extract<IncidentEffect, { kind: 'start_escalation' }>;
  incident: Incident;
  policyId: string;
}

/** A first attempt that moved its row, settled with `settleDeliveries`: its line was written in that transaction. */
function firstLineInTransaction(e: SettledAttempt): boolean {
  return e.inTransaction && e.moved && e.attempt === 1 && e.row.incident_id !== null;
}

/** How a delivery stands after an attempt, as its timeline line says. */
function deliveryWhat(e: SettledAttempt): string {
  const status = 'status' in e.outcome && e.outcome.status !== undefined ? ` (HTTP ${e.outcome.status})` : '';
  return e.outcome.ok
    ? `delivered${e.attempt > 1 ? ` after ${attempts(e.attempt)}` : ''}${status}`
    : e.result.state === 'dead'
      ? `failed for good after ${attempts(e.attempt)} (dead letter)${status}`
      : `${attempts(e.attempt)}, failing, will retry${status}`;
}

/** A delivery's timeline line: its key (`line`, one line per outbox row), text and data. */
function deliveryLine(row: Pick<OutboxRow, 'id' | 'event' | 'channel_id'>, what: string, data: Record<string, unknown>): { text: string; data: Record<string, unknown> & { line: string } } {
  const line = `delivery:${row.id}`;
  return { text: `${row.event} to ${row.channel_id}: ${what}`, data: { outbox_id: row.id, channel: row.channel_id, ...data, line } };
}

function attempts(n: number): string {
  return n === 1 ? '1 attempt' : `${n} attempts`;
}
