/**
 * Beat registers nowhere, so its instances are counted from what they send: with
 * `task_send_sent_event = True` every task message is announced by a `task-sent` event on the
 * `celeryev` fanout (`/<db>.celeryev/task.sent` on Redis) carrying the sender's node name
 * (`gen<pid>@<host>`). Over a window as long as the schedule's period, each beat sends its
 * periodic tasks once: distinct senders of those tasks = beat instances.
 *
 * The watcher stays subscribed between runs of its check (it lives in the check's state and is
 * released with it), so only the first run listens a whole window; later runs read the window
 * that has just passed. A watcher whose connection ended is replaced, and the new one listens a
 * whole window again before it counts.
 *
 * When a task was last sent is measured on one clock, the check's own: each task-sent event is
 * stamped with the check's clock when it arrives, never with the sender's timestamp (beat's host
 * clock, which may be skewed, and which a simulated check clock does not follow). A send seen
 * within the window a run reads is at most that window old: when the check's clock has run ahead of
 * real time (a simulated clock driving a compressed beat) its arrival stamp is raised to the window's
 * start, so time the beat never had to send in does not count against it.
 *
 * A window that holds no send of a watched task is judged by the beat's own progress, not by the
 * clock alone: the run goes on listening, for up to `graceMs` more (the check gives two windows
 * within its timeout), until the next send arrives. A beat starved of CPU on a loaded machine sends
 * late and is counted; a stopped one sends nothing and still counts as none, only later.
 */
import type { Redis } from 'ioredis';
import { performance } from 'node:perf_hooks';
import type { Clock } from '../../../lib/clock.js';
import { decodeMessage, fanoutChannel } from './kombu.js';

export interface BeatObservation {
  /** Distinct senders of the watched periodic tasks. */
  instances: number;
  senders: string[];
  /** Task name → task-sent events seen in the window. */
  sent: Record<string, number>;
  /** Task name → the check's clock (epoch ms) when its latest task-sent event was seen since the last run. */
  lastSent: Record<string, number>;
}

interface SentEvent {
  /** performance.now() when it arrived: places it in a window of real time. */
  seenAt: number;
  /** The check's clock when it arrived. */
  observedAt: number;
  name: string;
  hostname?: string;
}

export class BeatWatcher {
  private readonly channel: string;
  private readonly watched: Set<string>;
  private readonly events: SentEvent[] = [];
  /** performance.now() once subscribed. */
  private subscribedAt: number | undefined;
  /** Called at the next watched send while a run waits past an empty window. */
  private onSend: (() => void) | undefined;

  constructor(
    private readonly subscriber: Redis,
    private readonly opts: { db: number; tasks: string[]; clock: Clock },
  ) {
    this.channel = fanoutChannel(opts.db, 'celeryev', 'task.sent');
    this.watched = new Set(opts.tasks);
    subscriber.on('message', this.onMessage);
  }

  /** The connection ended (broker gone, closed): its events stopped, so it no longer counts. */
  get ended(): boolean {
    return this.subscriber.status === 'end' || this.subscriber.status === 'close';
  }

  async subscribe(): Promise<void> {
    if (this.subscribedAt !== undefined) return;
    await this.subscriber.connect();
    await this.subscriber.subscribe(this.channel);
    this.subscribedAt = performance.now();
  }

  private readonly onMessage = (ch: string, raw: string): void => {
    if (ch !== this.channel) return;
    const event = decodeMessage(raw)?.body as { type?: string; name?: string; hostname?: string } | undefined;
    if (event?.type !== 'task-sent' || !event.name || !this.watched.has(event.name)) return;
    this.events.push({
      seenAt: performance.now(),
      observedAt: this.opts.clock.now(),
      name: event.name,
      ...(event.hostname ? { hostname: event.hostname } : {}),
    });
    this.onSend?.();
  };

  /** Resolves at the next watched send, after `ms`, or when `signal` aborts, whichever is first. */
  private nextSend(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.onSend = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.onSend = done;
    });
  }

  /**
   * What the last `windowMs` of real time held; waits until the watcher has listened that long. When
   * that window holds no watched send, listens on for up to `graceMs` until the next one arrives,
   * and reads the window and what came in after it.
   */
  async observe(windowMs: number, signal: AbortSignal, graceMs = 0): Promise<BeatObservation> {
    if (this.subscribedAt === undefined) throw new Error('the beat watcher is not subscribed');
    const wait = this.subscribedAt + windowMs - performance.now();
    if (wait > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
    }
    const from = performance.now() - windowMs;
    if (graceMs > 0 && !signal.aborted && !this.events.some((e) => e.seenAt >= from)) await this.nextSend(graceMs, signal);
    const windowStart = this.opts.clock.now() - windowMs;
    // Every send since the last run dates LAST_SENT, also one that has left the window since.
    const lastSent: Record<string, number> = {};
    for (const e of this.events) {
      const at = e.seenAt >= from ? Math.max(e.observedAt, windowStart) : e.observedAt;
      lastSent[e.name] = Math.max(lastSent[e.name] ?? at, at);
    }
    let drop = 0;
    while (drop < this.events.length && this.events[drop]!.seenAt < from) drop++;
    this.events.splice(0, drop);
    const senders = new Set<string>();
    const sent: Record<string, number> = Object.fromEntries(this.opts.tasks.map((t) => [t, 0]));
    for (const e of this.events) {
      if (e.hostname) senders.add(e.hostname);
      sent[e.name] = (sent[e.name] ?? 0) + 1;
    }
    return { instances: senders.size, senders: [...senders].sort(), sent, lastSent };
  }

  close(): void {
    this.subscriber.off('message', this.onMessage);
    this.subscriber.disconnect();
  }
}
