/**
 * Beat registers nowhere, so its instances are counted from what they send: with
 * `task_send_sent_event = True` every task message is announced by a `task-sent` event on the
 * `celeryev` fanout (`/<db>.celeryev/task.sent` on Redis) carrying the sender's node name
 * (`gen<pid>@<host>`). Listening for a window as long as the schedule's period, each beat sends
 * its periodic tasks once: distinct senders of those tasks = beat instances.
 */
import type { Redis } from 'ioredis';
import { decodeMessage, fanoutChannel } from './kombu.js';

export interface BeatObservation {
  /** Distinct senders of the watched periodic tasks. */
  instances: number;
  senders: string[];
  /** Task name → task-sent events seen in the window. */
  sent: Record<string, number>;
  /** Task name → epoch ms of its latest task-sent event in the window. */
  lastSent: Record<string, number>;
}

export async function watchBeat(
  subscriber: Redis,
  opts: { db: number; tasks: string[]; windowMs: number; signal: AbortSignal },
): Promise<BeatObservation> {
  const channel = fanoutChannel(opts.db, 'celeryev', 'task.sent');
  const watched = new Set(opts.tasks);
  const senders = new Set<string>();
  const sent: Record<string, number> = Object.fromEntries(opts.tasks.map((t) => [t, 0]));
  const lastSent: Record<string, number> = {};
  const onMessage = (ch: string, raw: string): void => {
    if (ch !== channel) return;
    const event = decodeMessage(raw)?.body as { type?: string; name?: string; hostname?: string; timestamp?: number } | undefined;
    if (event?.type !== 'task-sent' || !event.name || !watched.has(event.name)) return;
    if (event.hostname) senders.add(event.hostname);
    sent[event.name] = (sent[event.name] ?? 0) + 1;
    if (typeof event.timestamp === 'number') lastSent[event.name] = Math.max(lastSent[event.name] ?? 0, Math.round(event.timestamp * 1000));
  };
  subscriber.on('message', onMessage);
  try {
    await subscriber.subscribe(channel);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, opts.windowMs);
      opts.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
  } finally {
    subscriber.off('message', onMessage);
  }
  return { instances: senders.size, senders: [...senders].sort(), sent, lastSent };
}
