import type { Transaction } from 'kysely';
import { incidentFromRow, type Incident, type IncidentEffect, type IncidentService } from '../../incidents/index.js';
import { enqueueNotification, getOutbox, notificationOf, signalOutbox, type SettledAttempt } from '../../notify/index.js';
import type { EscalationDriver, EscalationNotice } from '../../oncall/index.js';
import { deletePushSubscription, findIncident, type Database } from '../../store/index.js';
import type { OperationsHost } from './operations.js';
import { broadcastChannels, enqueueNotice, notificationIncident, policyChannels, policyFor, type TimelineNote } from './paging.js';
import { FAILING_CHANNEL_LABEL, isGoneSubscription } from './paging-watch.js';

/**
 * What an incident's change sets off, applied: escalations started and stopped, status updates to
 * the policy's channels, and the timeline lines for pages and deliveries. The pipeline calls it from
 * its queue; the escalation driver and the outbox worker call back into it.
 */
export class IncidentEffects {
  /** Timeline lines an escalation step produced inside its transaction, written once it commits. */
  private pendingNotes: TimelineNote[] = [];

  constructor(
    private readonly host: Pick<OperationsHost, 'store' | 'clock' | 'config'>,
    private readonly incidents: IncidentService,
    private readonly escalations: EscalationDriver,
  ) {}

  /** An escalation step reached people: outbox rows in the step's transaction, timeline lines after. */
  async onNotice(notice: EscalationNotice, trx: Transaction<Database>): Promise<void> {
    // Read through the step's transaction: on SQLite (one connection) a read outside it would wait forever.
    const row = await findIncident(trx, notice.incidentId);
    if (!row) return;
    this.pendingNotes.push(...(await enqueueNotice(trx, this.host.clock, this.host.config, incidentFromRow(row), notice)));
  }

  /** Applies one effect of an incident's change. */
  async apply(effect: IncidentEffect): Promise<void> {
    const { config, store } = this.host;
    const incident = await this.incidents.get(effect.incidentId);
    const policyId = policyFor(config, incident);
    switch (effect.kind) {
      case 'start_escalation': {
        if (incident.labels[FAILING_CHANNEL_LABEL]) {
          // A failing channel's incident goes to every other channel too: its policy may page only through the failing one.
          await this.toChannels(config.channels.map((c) => c.id), incident, 'incident.triggered');
        }
        if (!policyId) {
          // No policy configured: every channel hears about it, so nothing opens in silence.
          if (incident.labels[FAILING_CHANNEL_LABEL]) return;
          await this.toChannels(config.channels.map((c) => c.id), incident, 'incident.triggered');
          return;
        }
        const responseTargetMs = effect.responseDueAt !== undefined ? effect.responseDueAt - effect.openedAt : undefined;
        await store.db.transaction().execute((trx) =>
          this.escalations.start({ id: incident.id, openedAt: effect.openedAt, severity: incident.severity, ...(responseTargetMs !== undefined ? { responseTargetMs } : {}) }, policyId, trx),
        );
        await this.afterCommit();
        return;
      }
      case 'stop_escalation': {
        // Status updates go only where someone was paged: an incident whose page a window held
        // back and that resolved inside it stays quiet.
        if (await this.escalations.stop(incident.id, effect.reason, effect.by, store.db)) {
          await this.toChannels(policyChannels(config, policyId), incident, effect.reason === 'acknowledged' ? 'incident.acknowledged' : 'incident.resolved');
        }
        return;
      }
      case 'notify': {
        if (effect.suppressedBy) return; // held: the timeline says by what; released later or dropped
        if (effect.event === 'resolved' && (await this.escalations.state(incident.id))) {
          await this.toChannels(policyChannels(config, policyId), incident, 'incident.resolved');
        }
        if (effect.event === 'reopened') await this.toChannels(policyChannels(config, policyId), incident, 'incident.reopened');
        return;
      }
    }
  }

  private async toChannels(channelIds: string[], incident: Incident, event: 'incident.triggered' | 'incident.acknowledged' | 'incident.resolved' | 'incident.reopened'): Promise<void> {
    const { store, clock, config } = this.host;
    channelIds = broadcastChannels(config, channelIds, incident.labels[FAILING_CHANNEL_LABEL]);
    if (channelIds.length === 0) return;
    await store.db.transaction().execute(async (trx) => {
      for (const channelId of channelIds) {
        await enqueueNotification(trx, clock, {
          channelId,
          event,
          incident: notificationIncident(config, incident),
          dedupKey: `${incident.id}/${event}/${incident.updatedAt}/${channelId}`,
        });
      }
    });
    signalOutbox();
    for (const channelId of channelIds) {
      await this.incidents.addTimelineEntry(incident.id, { kind: 'notification', actor: 'system:notify', text: `${event.replace('incident.', '')} update sent to channel ${channelId}`, data: { channel: channelId, event } });
    }
  }

  /** Work that must not run inside a transaction: timeline lines for pages, waking the outbox. */
  async afterCommit(): Promise<void> {
    signalOutbox();
    const notes = this.pendingNotes.splice(0);
    for (const n of notes) {
      await this.incidents.addTimelineEntry(n.incidentId, { kind: n.kind, actor: 'system:escalation', text: n.text, data: n.data }).catch(() => {});
    }
  }

  /** A delivery attempt settled: its outcome goes on the incident's timeline. */
  async recordDelivery(e: SettledAttempt): Promise<void> {
    const row = await getOutbox(this.host.store.db, e.id);
    if (row && isGoneSubscription(this.host.config, e)) {
      // The browser unsubscribed (404/410 from its push service): forget it so it is not paged again.
      const n = notificationOf(row);
      if (n.recipient) await deletePushSubscription(this.host.store.db, JSON.parse(n.recipient.address).endpoint as string, n.recipient.user).catch(() => false);
    }
    if (!row?.incident_id) return;
    const what = e.outcome.ok ? 'delivered' : e.result.state === 'dead' ? 'failed for good (dead letter)' : 'failed, will retry';
    const status = 'status' in e.outcome && e.outcome.status !== undefined ? ` (HTTP ${e.outcome.status})` : '';
    await this.incidents
      .addTimelineEntry(row.incident_id, {
        kind: 'delivery',
        actor: 'system:notify',
        text: `${row.event} to ${e.channelId}: attempt ${e.attempt} ${what}${status}`,
        data: { outbox_id: e.id, channel: e.channelId, attempt: e.attempt, result: e.result.state },
      })
      .catch(() => {});
  }

  /** Open incidents whose escalation never started (a crash between the incident and its escalation). */
  async reconcileEscalations(): Promise<void> {
    const open = await this.incidents.list({ state: ['triggered'], limit: 500 });
    for (const incident of open) {
      if (incident.heldBy) continue;
      const policyId = policyFor(this.host.config, incident);
      if (!policyId || (await this.escalations.state(incident.id))) continue;
      await this.apply({ kind: 'start_escalation', incidentId: incident.id, severity: incident.severity, openedAt: incident.openedAt, ...(incident.responseDueAt ? { responseDueAt: incident.responseDueAt } : {}) });
    }
  }
}
