import { Counter, Gauge, type Registry } from 'prom-client';
import type { OpsConfig } from '../../config/index.js';
import type { Actor } from '../../identity/index.js';
import { OPEN_STATES, type ManualIncidentInput } from '../../incidents/index.js';
import type { SettledAttempt } from '../../notify/index.js';
import { countIncidentsBySeverity, countOutbox, listIncidentsCreatedBy, oldestWaitingOutboxAt, type Store } from '../../store/index.js';
import type { Clock } from '../../lib/clock.js';
import { isOpsbookError } from '../../lib/errors/index.js';

/** The store, or a transaction in it. */
type Db = Parameters<typeof listIncidentsCreatedBy>[0];

/** The label that marks a failing channel's own incident; its pages avoid that channel. */
export const FAILING_CHANNEL_LABEL = 'opsbook_failing_channel';
/** The label naming the cluster member that opened a failing channel's incident (in a cluster only). */
export const FAILING_MEMBER_LABEL = 'opsbook_failing_member';

/** A Web Push answer saying the browser's subscription is gone (404/410): the person's doing, not the channel failing. */
export function isGoneSubscription(config: OpsConfig, e: SettledAttempt): boolean {
  return !e.outcome.ok && (e.outcome.status === 404 || e.outcome.status === 410) && config.channels.find((c) => c.id === e.channelId)?.kind === 'webpush';
}

const SYSTEM: Actor = { name: 'system:paging', role: 'admin', via: 'system' };

/**
 * How often, at most, deliveries that succeeded make the watch look in the store for an open
 * failing-channel incident it does not know of: one an earlier process opened before it stopped (a
 * restart, a crash) or another process of a cluster opened, which nothing else would resolve.
 */
export const UNKNOWN_FAILING_LOOK_MS = 30_000;

export interface PagingWatchHost {
  store: Store;
  clock: Clock;
  config: () => OpsConfig;
  logger: { warn(obj: object, msg?: string): void };
  /**
   * Opens the failing channel's incident unless `alreadyOpen`, asked in the opening's transaction
   * (after the incident writers' lock on PostgreSQL), answers true: then undefined.
   */
  open(input: ManualIncidentInput, actor: Actor, alreadyOpen: (db: Db) => Promise<boolean>): Promise<{ id: string } | undefined>;
  /** Resolves it once the channel delivers again. */
  resolve(incidentId: string, actor: Actor, note: string): Promise<void>;
  /** This process's cluster member id; undefined without a cluster. */
  member(): string | undefined;
  /** The ids of the cluster's live members (none without a cluster). */
  liveMembers(): Promise<string[]>;
}

/**
 * Paging watched: delivery attempts and failures per channel, outbox depth and age, dead letters
 * and open incidents in `/metrics`; a channel with a dead letter or `paging.failing_after` failed
 * attempts in a row is failing and opens its own incident (paged through the other channels),
 * resolved when the channel delivers again. The count of failures lives in memory; the incident in
 * the store: a channel failing again finds an open incident of its (an earlier process's, or another
 * process's of a cluster) and takes it on rather than open a second, and a channel that delivers
 * resolves the open incidents of its that this process or a process now gone opened (looked for at
 * most every UNKNOWN_FAILING_LOOK_MS). Before, an incident open when its process stopped stayed
 * triggered, escalating, after the channel delivered again. In a cluster, an incident another live
 * member opened is left to it: the channel may fail from that member alone (its network, its DNS),
 * and it resolves the incident when the channel delivers from there. A process that still counts a
 * channel failing and finds no incident open about it (resolved by a person, or by the member that
 * opened it and mended first) opens one again, at most every UNKNOWN_FAILING_LOOK_MS.
 */
export class PagingWatch {
  private readonly consecutive = new Map<string, number>();
  /** Channels this process counts failing (their incident, in the store, is found there). */
  private readonly failing = new Set<string>();
  private readonly attempts: Counter<'channel'>;
  private readonly failures: Counter<'channel'>;
  private queue: Promise<void> = Promise.resolve();
  /** When (clock) the store was last looked in for failing-channel incidents this process does not know. */
  private lastLook = -Infinity;
  /** Channels that delivered since that look, and this process does not count failing. */
  private readonly deliveredSinceLook = new Set<string>();
  /** When (clock) this process last made sure a channel it counts failing has an open incident. */
  private readonly lastRaise = new Map<string, number>();

  constructor(private readonly host: PagingWatchHost, registry: Registry) {
    for (const name of ['opsbook_delivery_attempts_total', 'opsbook_delivery_failures_total', 'opsbook_outbox_messages', 'opsbook_outbox_dead_letters', 'opsbook_outbox_oldest_waiting_age_seconds', 'opsbook_incidents_open', 'opsbook_channel_failing']) {
      registry.removeSingleMetric(name);
    }
    this.attempts = new Counter({ name: 'opsbook_delivery_attempts_total', help: 'Delivery attempts by channel.', labelNames: ['channel'], registers: [registry] });
    this.failures = new Counter({ name: 'opsbook_delivery_failures_total', help: 'Failed delivery attempts by channel.', labelNames: ['channel'], registers: [registry] });
    const { store, clock } = host;
    new Gauge({
      name: 'opsbook_outbox_messages',
      help: 'Outbox messages by state (pending, delivering, delivered, dead).',
      labelNames: ['state'],
      registers: [registry],
      async collect() {
        for (const [state, n] of Object.entries(await countOutbox(store.db))) this.set({ state }, n);
      },
    });
    new Gauge({
      name: 'opsbook_outbox_dead_letters',
      help: 'Messages that failed for good (dead letters), waiting to be redriven.',
      registers: [registry],
      async collect() {
        this.set((await countOutbox(store.db)).dead);
      },
    });
    new Gauge({
      name: 'opsbook_outbox_oldest_waiting_age_seconds',
      help: 'Age of the oldest message not yet delivered (pending or delivering); 0 when none waits.',
      registers: [registry],
      async collect() {
        const at = await oldestWaitingOutboxAt(store.db);
        this.set(at === undefined ? 0 : Math.max(0, (clock.now() - at) / 1000));
      },
    });
    new Gauge({
      name: 'opsbook_incidents_open',
      help: 'Open incidents by severity.',
      labelNames: ['severity'],
      registers: [registry],
      async collect() {
        this.reset();
        const counts = await countIncidentsBySeverity(store.db, OPEN_STATES);
        for (const s of host.config().severities) this.set({ severity: s.id }, counts[s.id] ?? 0);
      },
    });
    const failing = this.failing;
    new Gauge({
      name: 'opsbook_channel_failing',
      help: '1 while a channel is failing (a dead letter or too many failed attempts in a row).',
      labelNames: ['channel'],
      registers: [registry],
      collect() {
        this.reset();
        for (const c of host.config().channels) this.set({ channel: c.id }, failing.has(c.id) ? 1 : 0);
      },
    });
  }

  isFailing(channelId: string): boolean {
    return this.failing.has(channelId);
  }

  /** Called for every settled delivery attempt. */
  onSettled(e: SettledAttempt): void {
    this.attempts.inc({ channel: e.channelId });
    if (e.outcome.ok || isGoneSubscription(this.host.config(), e)) {
      this.consecutive.set(e.channelId, 0);
      if (this.failing.has(e.channelId)) this.serially(() => this.recovered(e.channelId));
      else this.lookForUnknown(e.channelId);
      return;
    }
    this.failures.inc({ channel: e.channelId });
    const n = (this.consecutive.get(e.channelId) ?? 0) + 1;
    this.consecutive.set(e.channelId, n);
    const dead = e.result.state === 'dead';
    if (!dead && n < this.host.config().paging.failing_after) return;
    const now = this.host.clock.now();
    // Counted failing already: its incident is looked for again at most every UNKNOWN_FAILING_LOOK_MS.
    if (this.failing.has(e.channelId) && now - (this.lastRaise.get(e.channelId) ?? -Infinity) < UNKNOWN_FAILING_LOOK_MS) return;
    this.failing.add(e.channelId);
    this.lastRaise.set(e.channelId, now);
    const why = dead ? `a message failed for good (${e.outcome.error})` : `${n} attempts in a row failed (last: ${e.outcome.error})`;
    this.serially(() => this.raise(e.channelId, why));
  }

  private serially(work: () => Promise<void>): void {
    this.queue = this.queue.then(work).catch((err: unknown) => this.host.logger.warn({ err }, 'paging watch: could not open or resolve a failing channel incident'));
  }

  /** A channel delivered that this process does not count failing: at most every UNKNOWN_FAILING_LOOK_MS, its open incidents (if any) are resolved. */
  private lookForUnknown(channelId: string): void {
    this.deliveredSinceLook.add(channelId);
    const now = this.host.clock.now();
    if (now - this.lastLook < UNKNOWN_FAILING_LOOK_MS) return;
    this.lastLook = now;
    const channels = [...this.deliveredSinceLook];
    this.deliveredSinceLook.clear();
    this.serially(async () => {
      for (const channelId of channels) {
        // Failing again here since the delivery: its incident is this process's to resolve.
        if (!this.failing.has(channelId)) await this.resolveOpen(channelId);
      }
    });
  }

  /** The open incidents of a failing channel in the store (or the transaction `db`), oldest first, whoever opened them. */
  private async openIncidentsOf(channelId: string, db: Db = this.host.store.db): Promise<Array<{ id: string; member: string | undefined }>> {
    const rows = await listIncidentsCreatedBy(db, OPEN_STATES, SYSTEM.name);
    return rows.flatMap((r) => {
      const { channel, member } = labelsOf(r.labels);
      return channel === channelId ? [{ id: r.id, member }] : [];
    });
  }

  /**
   * Resolves the channel's open incidents: its own, those of processes gone (an earlier one, a member
   * no longer live) and those opened before members were named; not one another live member opened.
   */
  private async resolveOpen(channelId: string): Promise<void> {
    const open = await this.openIncidentsOf(channelId);
    const me = this.host.member();
    const openedByOthers = (member: string | undefined) => member !== undefined && member !== me;
    const live = open.some((o) => openedByOthers(o.member)) ? new Set(await this.host.liveMembers()) : new Set<string>();
    for (const { id, member } of open) {
      // The channel fails from that member, which resolves it when the channel delivers from there.
      if (openedByOthers(member) && live.has(member!)) continue;
      try {
        await this.host.resolve(id, SYSTEM, `channel ${channelId} delivers again`);
      } catch (err) {
        // Resolved meanwhile (a person, another member seeing the channel deliver): nothing left to do, nothing to say.
        if (resolvedMeanwhile(err)) continue;
        this.host.logger.warn({ err, incident: id, channel: channelId }, 'paging watch: could not resolve a failing channel incident');
      }
    }
  }

  /**
   * Opens the channel's incident unless one is open: opened by an earlier process or another member
   * of a cluster, it is this channel's incident still. The look is made in the opening's transaction,
   * under the incident writers' lock: members finding the channel failing at once open one incident.
   */
  private async raise(channelId: string, why: string): Promise<void> {
    const config = this.host.config();
    const severity = config.paging.failing_severity ?? config.severities[0]?.id ?? 'P1';
    const member = this.host.member();
    const labels = { [FAILING_CHANNEL_LABEL]: channelId, ...(member ? { [FAILING_MEMBER_LABEL]: member } : {}) };
    await this.host.open(
      // Why it counts as failing is the incident's first note: what the responder reads first.
      { title: `Notification channel ${channelId} is failing`, severity, labels, description: member ? `${why}, seen from cluster member ${member}` : why },
      SYSTEM,
      async (db) => (await this.openIncidentsOf(channelId, db)).length > 0,
    );
  }

  private async recovered(channelId: string): Promise<void> {
    this.failing.delete(channelId);
    this.lastRaise.delete(channelId);
    await this.resolveOpen(channelId);
  }

  /** Waits for incidents being opened or resolved (tests, shutdown). */
  settled(): Promise<void> {
    return this.queue;
  }
}

/** The failing channel an incident's labels (JSON text) name, and the member that opened it, if any. */
function labelsOf(labels: string): { channel: string | undefined; member: string | undefined } {
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  try {
    const parsed = JSON.parse(labels) as Record<string, unknown>;
    return { channel: text(parsed[FAILING_CHANNEL_LABEL]), member: text(parsed[FAILING_MEMBER_LABEL]) };
  } catch {
    return { channel: undefined, member: undefined };
  }
}

/** The refusal of a resolve because the incident is no longer open: resolved (or reviewed) by someone else first. */
function resolvedMeanwhile(err: unknown): boolean {
  const from = isOpsbookError(err) && err.code === 'OPSBOOK_E_INCIDENT_TRANSITION' ? err.details?.from : undefined;
  return typeof from === 'string' && !(OPEN_STATES as readonly string[]).includes(from);
}
