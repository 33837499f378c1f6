import type { Kysely, Transaction } from 'kysely';
import type { Incident } from '../../incidents/index.js';
import { enqueueNotification, listOutbox, PAGE_EVENTS, pagerDutyActorName, type OutboxRow } from '../../notify/index.js';
import type { EscalationStatus } from '../../oncall/index.js';
import { appendTimelineLineOfKnownIncident, type Database } from '../../store/index.js';
import { newId } from '../../lib/ids.js';
import type { OperationsHost } from './host.js';
import { broadcastChannels, notificationIncident } from './paging.js';
import { FAILING_CHANNEL_LABEL } from './paging-watch.js';

/** The status updates sent to channels. */
export type ChannelEvent = 'incident.triggered' | 'incident.acknowledged' | 'incident.resolved' | 'incident.reopened' | 'incident.severity_raised';

/**
 * The status updates an incident's change sends the channels already paged ("acknowledged",
 * "resolved", "reopened", "severity_raised"), written in the transaction of the escalation change
 * that causes them: the stop, the new opening's start, the revision. Both commit or neither does,
 * and what is left undone the look for missed pages finds by the escalation (still running, still
 * stopped, still on another severity) and does whole, the update with it.
 */
export class StatusUpdates {
  constructor(private readonly host: Pick<OperationsHost, 'clock' | 'config'>) {}

  /**
   * Writes the update to `recipients` inside `trx`, whose writer holds the incident writers' lock:
   * the outbox rows and their timeline lines commit together. The channels whose row is new (a
   * second write of the same update finds its rows there and adds nothing).
   */
  async writeIn(trx: Transaction<Database>, recipients: readonly string[], incident: Incident, event: ChannelEvent): Promise<string[]> {
    const at = this.host.clock.now();
    const created = await this.enqueue(trx, recipients, incident, event);
    for (const channelId of created) {
      await appendTimelineLineOfKnownIncident(trx, {
        id: newId('tl', at), incident_id: incident.id, at, kind: 'notification', actor: 'system:notify',
        text: `${event.replace('incident.', '')} update sent to channel ${channelId}`, data: JSON.stringify({ channel: channelId, event }),
      });
    }
    return created;
  }

  /**
   * The outbox rows of an update to `channelIds`, in `trx`; the channels whose row is new. Keyed by
   * the incident's change (its `updatedAt`), so the same update written twice is one message.
   */
  async enqueue(trx: Transaction<Database>, channelIds: readonly string[], incident: Incident, event: ChannelEvent): Promise<string[]> {
    const { clock, config } = this.host;
    const created: string[] = [];
    for (const channelId of channelIds) {
      const row = await enqueueNotification(trx, clock, {
        channelId,
        event,
        incident: notificationIncident(config, incident),
        incidentEpoch: incident.reopened,
        dedupKey: `${incident.id}/${event}/${incident.updatedAt}/${channelId}`,
      });
      if (row.created) created.push(channelId);
    }
    return created;
  }

  /** The channels an update to `channelIds` goes to; `by`: who caused it (a channel it came in through is not told again). */
  recipients(channelIds: readonly string[], incident: Incident, by?: string): string[] {
    return broadcastChannels(this.host.config, channelIds, incident.labels[FAILING_CHANNEL_LABEL]).filter((id) => by === undefined || by !== pagerDutyActorName(id));
  }
}

/** Of `channelIds`, those an incident's escalation has paged so far (a later step's are not told early). Read through `db`. */
export async function pagedChannels(db: Kysely<Database>, incidentId: string, channelIds: readonly string[]): Promise<string[]> {
  const paged = new Set((await pagesOf(db, incidentId)).map((r) => r.channel_id));
  return channelIds.filter((id) => paged.has(id));
}

/**
 * The channels of `channelIds` an acknowledgement or resolution is told to. A channel whose every
 * page of the incident was called off before its first attempt (the incident was answered or
 * resolved first) never heard of it, so it hears no "acknowledged" or "resolved" either: nobody is
 * woken by the end of an incident they were never told began. A channel paged at least once
 * (delivered, failing or in flight) hears it, and so does a channel the escalation never paged (a
 * later step's), as every channel of the policy does.
 */
export async function statusChannels(db: Kysely<Database>, incidentId: string, channelIds: readonly string[]): Promise<string[]> {
  const pages = await pagesOf(db, incidentId);
  const reached = new Set(pages.filter((r) => r.attempts > 0).map((r) => r.channel_id));
  const paged = new Set(pages.map((r) => r.channel_id));
  return channelIds.filter((id) => !paged.has(id) || reached.has(id));
}

async function pagesOf(db: Kysely<Database>, incidentId: string): Promise<OutboxRow[]> {
  return (await listOutbox(db, { incidentId })).filter((r) => (PAGE_EVENTS as readonly string[]).includes(r.event));
}

/**
 * Whether an escalation's stop, from status `before`, is news for the policy's channels: an
 * acknowledgement when nobody had acknowledged before (the chain running, or run out after paging
 * every step); a resolution when the escalation had not been resolved before (running,
 * acknowledged or exhausted: people were paged for this opening).
 */
export function stopIsNews(reason: 'acknowledged' | 'resolved', before: EscalationStatus | undefined): boolean {
  if (reason === 'acknowledged') return before === 'active' || before === 'exhausted';
  return before !== undefined && before !== 'resolved';
}
