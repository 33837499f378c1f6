import { bindContext } from '../../lib/async-context.js';
import { createHash } from 'node:crypto';
import type { AlertEvent } from '../../alerts/index.js';
import type { OpsConfig } from '../../config/index.js';
import type { Clock } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import { sendThroughChannel, type ChannelConnections, type Notification, type NotificationIncident, type OutboundMessage } from '../../notify/index.js';
import type { Logger } from '../logger.js';
import { broadcastChannels, policyChannels, policyForLabels } from './paging.js';

/** The incident opsbook raises about itself while its store cannot write; one id for its page and its all-clear. */
export const STORE_FULL_INCIDENT = 'opsbook-store-full';

/** Attempts of one page sent from memory (the outbox, which would retry for days, cannot be written). */
const MEMORY_ATTEMPTS = 5;

export interface StoreFullHost {
  config: () => OpsConfig;
  clock: Clock;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** One write that proves the store takes writes again; throws while it cannot. */
  probe: (since: number, held: number) => Promise<void>;
  /**
   * Space is back: the alerts held in memory enter the pipeline, to be recorded as incidents. Answers
   * those that could not be (another store error, logged), which are replayed again `full_retry` later.
   */
  replay: (events: AlertEvent[]) => Promise<AlertEvent[]>;
  /** The channels' connection pools (the outbox worker's): a hung channel's sockets are its own. */
  connections?: ChannelConnections;
}

export interface StoreFullStatus {
  since: number;
  reason: string;
  /** Alerts waiting to be written: paged from memory, or resolves of alerts recorded before. */
  held: number;
}

/**
 * What opsbook does while its store cannot write for lack of space: pages matter more than history.
 * An alert the incident engine could not record is paged at once from memory, straight through the
 * channels of the policy it routes to (or every channel that takes a broadcast); opsbook raises an
 * incident about itself the same way and reports not ready. Every `storage.full_retry` it tries a
 * write; once one succeeds, the held alerts go through the pipeline (incidents, escalation, outbox,
 * as usual), the all-clear goes out and readiness returns. Nothing is written half: each store
 * transaction that met the full disk rolled back whole.
 */
export class StoreFullMode {
  private state: StoreFullStatus | undefined;
  /** Alerts waiting to be recorded, by dedup key: firing ones paged from memory, and resolves of recorded ones. */
  private readonly held = new Map<string, AlertEvent>();
  /** Alerts paged from memory and not recorded yet: the incident and channels their all-clear goes to. */
  private readonly pagedFromMemory = new Map<string, { incident: NotificationIncident; channels: string[] }>();
  private cancelProbe: (() => void) | undefined;
  /** Alerts recorded neither while full nor at the replay, and the timer that replays them again. */
  private unrecorded: AlertEvent[] = [];
  private cancelReplay: (() => void) | undefined;
  private readonly sends = new Set<Promise<void>>();
  /** Retry waits in progress; stop ends them at once. */
  private readonly waits = new Set<() => void>();
  private stopped = false;

  constructor(private readonly host: StoreFullHost) {}

  get status(): StoreFullStatus | undefined {
    return this.state && { ...this.state, held: this.held.size };
  }

  /** The store refused a write for lack of space; `event`, when given, is an alert it could not record. */
  onFull(error: unknown, event?: AlertEvent): void {
    const now = this.host.clock.now();
    if (!this.state) {
      const reason = (error as Error)?.message ?? String(error);
      this.state = { since: now, reason, held: 0 };
      this.host.logger.error({ err: error }, 'the store cannot write (disk full): paging from memory until space returns');
      this.broadcast('incident.triggered', this.selfIncident('triggered', `The store refused a write: ${reason}. New alerts are paged from memory and recorded when space returns; /_health/ready reports not ready.`));
      this.armProbe();
    }
    if (event) this.hold(event);
  }

  private hold(event: AlertEvent): void {
    const key = event.dedupKey;
    if (event.kind !== 'firing') {
      this.resolve(event);
      return;
    }
    const waiting = this.held.get(key);
    if (waiting?.kind === 'firing') return;
    if (waiting) {
      // Recorded before the disk filled, resolved and firing again while full: its incident, open in
      // the store and paged already, stays as it is.
      this.held.delete(key);
      return;
    }
    this.held.set(key, event);
    const config = this.host.config();
    const policy = config.escalation_policies.find((p) => p.id === policyForLabels(config, event.labels));
    const routed = broadcastChannels(config, policyChannels(config, policy?.id));
    const channels = routed.length > 0 ? routed : broadcastChannels(config, config.channels.map((c) => c.id));
    const incident: NotificationIncident = {
      id: `mem-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`,
      title: event.annotations.summary ?? event.ruleId,
      severity: event.severity,
      status: 'triggered',
      url: config.server.public_url,
      ...(event.labels.service ? { service: event.labels.service } : {}),
      summary: 'Paged from memory: opsbook cannot write its store (disk full). No incident is recorded yet, so there is nothing to acknowledge by link; it is recorded when space returns.',
    };
    this.pagedFromMemory.set(key, { incident, channels });
    for (const channelId of channels) this.send({ channelId, event: 'incident.triggered', incident, dedupKey: `${incident.id}/${channelId}` });
  }

  /**
   * An alert resolved while it could not be recorded. One paged from memory is never recorded (its
   * replay would open an incident, and page, for what is over): the channels it paged hear its
   * all-clear from memory. One recorded before the disk filled waits with the others, and its
   * replay resolves its incident.
   */
  private resolve(event: AlertEvent): void {
    const key = event.dedupKey;
    const paged = this.pagedFromMemory.get(key);
    if (!paged) {
      this.held.set(key, event);
      return;
    }
    this.pagedFromMemory.delete(key);
    this.held.delete(key);
    this.unrecorded = this.unrecorded.filter((e) => e.dedupKey !== key);
    const incident: NotificationIncident = { ...paged.incident, status: 'resolved', summary: 'Resolved before opsbook could record it (its store could not write): no incident is recorded for it.' };
    for (const channelId of paged.channels) this.send({ channelId, event: 'incident.resolved', incident, dedupKey: `${incident.id}/resolved/${channelId}` });
  }

  /**
   * A resolved alert the store found no incident for, once it writes again: when it is one paged
   * from memory whose record was refused at the replay (waiting to be replayed again), it is over
   * (see `resolve`) rather than recorded later as an incident still open.
   */
  resolvedUnrecorded(event: AlertEvent): void {
    if (event.kind === 'resolved' && this.pagedFromMemory.has(event.dedupKey)) this.resolve(event);
  }

  private selfIncident(status: string, summary: string): NotificationIncident {
    const config = this.host.config();
    const ladder = config.severities.map((s) => s.id);
    return {
      id: STORE_FULL_INCIDENT,
      title: 'opsbook cannot write its store: disk full',
      severity: ladder[Math.min(1, ladder.length - 1)] ?? 'P2',
      status,
      url: `${config.server.public_url}/_health/ready`,
      service: 'opsbook',
      summary,
    };
  }

  private broadcast(event: 'incident.triggered' | 'incident.resolved', incident: NotificationIncident): void {
    const config = this.host.config();
    for (const channelId of broadcastChannels(config, config.channels.map((c) => c.id))) this.send({ channelId, event, incident, dedupKey: `${incident.id}/${event}/${this.state?.since}/${channelId}` });
  }

  /** One notification straight through its channel, retried in memory with a doubling wait. */
  private send(notification: Notification): void {
    const channel = this.host.config().channels.find((c) => c.id === notification.channelId);
    if (!channel) return;
    const clock = this.host.clock;
    const id = newId('msg', clock.now());
    const createdAt = clock.now();
    const attempt = async (n: number): Promise<void> => {
      const message: OutboundMessage = { id, createdAt, attempt: n, notification, links: {} };
      const pool = this.host.connections?.acquire(channel);
      const outcome = await sendThroughChannel(message, channel, { clock, signal: AbortSignal.timeout(30_000), ...(pool ? { agents: pool.agents } : {}) })
        .catch((e: unknown) => ({ ok: false as const, retryable: true, error: (e as Error).message }))
        .finally(() => pool?.release());
      if (outcome.ok) {
        this.host.logger.info({ channel: channel.id, event: notification.event, incident: notification.incident?.id }, 'page sent from memory');
        return;
      }
      this.host.logger.warn({ channel: channel.id, attempt: n, error: outcome.error }, 'page from memory failed');
      if (!outcome.retryable || n >= MEMORY_ATTEMPTS || this.stopped) return;
      await new Promise<void>((resolve) => {
        const end = (): void => {
          this.waits.delete(end);
          cancel();
          resolve();
        };
        const cancel = clock.at(clock.now() + 1000 * 2 ** (n - 1), end);
        this.waits.add(end);
      });
      if (!this.stopped) await attempt(n + 1);
    };
    const p = attempt(1).finally(() => this.sends.delete(p));
    this.sends.add(p);
  }

  /**
   * The probe and the replay, in the context this mode was built in, not under the lease of the
   * check whose alert found the store full (its timer is armed then): the alerts replayed are not
   * only that check's.
   */
  private readonly recoverInOwnContext = bindContext(() => this.tryRecover());

  private armProbe(): void {
    this.cancelProbe?.();
    if (this.stopped) return;
    const { clock, config } = this.host;
    this.cancelProbe = clock.at(clock.now() + config().storage.full_retry, () => void this.recoverInOwnContext());
  }

  /** Replays the alerts held; those the store still refuses are kept and replayed again `full_retry` later. */
  private async replay(events: AlertEvent[]): Promise<void> {
    const failed = await this.host.replay(events).catch((err: unknown) => {
      this.host.logger.error({ err }, 'alerts paged from memory could not be recorded; tried again shortly');
      return events;
    });
    const refused = new Set(failed.map((e) => e.dedupKey));
    for (const e of events) if (!refused.has(e.dedupKey)) this.pagedFromMemory.delete(e.dedupKey);
    if (failed.length === 0 || this.stopped) return;
    const again = new Map([...this.unrecorded, ...failed].map((e) => [e.dedupKey, e]));
    this.unrecorded = [...again.values()];
    if (this.cancelReplay) return;
    const { clock, config } = this.host;
    this.cancelReplay = clock.at(clock.now() + config().storage.full_retry, () => void this.replayInOwnContext());
  }

  private readonly replayInOwnContext = bindContext(() => {
    this.cancelReplay = undefined;
    const events = this.unrecorded;
    this.unrecorded = [];
    return this.replay(events);
  });

  /** Tries one write now; on success replays the held alerts and sends the all-clear. */
  async tryRecover(): Promise<boolean> {
    const state = this.state;
    if (!state || this.stopped) return state === undefined;
    try {
      await this.host.probe(state.since, this.held.size);
    } catch (e) {
      this.host.logger.warn({ err: e }, 'the store still cannot write');
      this.armProbe();
      return false;
    }
    const events = [...this.held.values()];
    this.held.clear();
    this.state = undefined;
    this.cancelProbe?.();
    this.host.logger.info({ fullForMs: this.host.clock.now() - state.since, held: events.length }, 'the store writes again; alerts paged from memory are being recorded');
    this.broadcast('incident.resolved', this.selfIncident('resolved', `The store writes again after ${Math.round((this.host.clock.now() - state.since) / 1000)} s. ${events.length} alert(s) paged from memory are now recorded as incidents.`));
    await this.replay(events);
    return true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelProbe?.();
    this.cancelReplay?.();
    for (const end of [...this.waits]) end();
    await Promise.allSettled([...this.sends]);
  }
}
