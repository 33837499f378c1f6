/**
 * The send thread's side of `SendThread` (see send-thread.ts): it turns claimed outbox rows into
 * messages (the notification read from the row, its action links signed), sends each through its
 * channel on connection pools of its own, and posts each outcome back. It reads and writes no
 * store: the main thread claims, leases, fences and settles exactly as when it sends itself.
 */
import { setMaxListeners } from 'node:events';
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import type { ChannelConfig } from '../config/schema/channels.js';
import type { Clock } from '../lib/clock.js';
import { ActionLinkSigner } from './action-links.js';
import { ChannelConnections } from './channel-connections.js';
import { sendThroughChannel } from './channels/index.js';
import { notificationOf } from './enqueue.js';
import type { DeliveryOutcome, OutboundMessage } from './types.js';
import type { SendThreadInit, ToSendThread, SendRequest, SentOutcome } from './send-thread.js';

const init = workerData as SendThreadInit;
const port = parentPort!;
let channels = new Map<string, ChannelConfig>(init.channels.map((c) => [c.id, c]));
const connections = new ChannelConnections(init.concurrency);
connections.configure(init.channels);
const signer = init.links ? new ActionLinkSigner(init.links.key, init.links.publicUrl, init.links.ttlMs) : undefined;
let abort = new AbortController();
/** Every send in flight listens for the stop (a channel may add one listener of its own), as on the main thread. */
const listenFor = (signal: AbortSignal): void => setMaxListeners(Math.max(10, 2 * init.concurrency * Math.max(1, channels.size)), signal);
listenFor(abort.signal);

/** The clock of one send: the main thread's instant when it handed the row over, moving on with real time. */
function clockFrom(now: number): Clock {
  const t0 = performance.now();
  const read = () => now + Math.floor(performance.now() - t0);
  return {
    now: read,
    at: () => () => {},
    sleepUntil: () => Promise.resolve(),
  };
}

// Outcomes finishing in one turn go back in one message (the main thread then settles them together).
const done: SentOutcome[] = [];
function answer(o: SentOutcome): void {
  done.push(o);
  if (done.length === 1) setImmediate(() => port.postMessage({ op: 'sent', outcomes: done.splice(0) }));
}

async function send(r: SendRequest): Promise<void> {
  const started = performance.now();
  const channel = channels.get(r.row.channel_id);
  let outcome: DeliveryOutcome;
  if (!channel) outcome = { ok: false, retryable: false, error: `channel ${r.row.channel_id} is not configured` };
  else {
    try {
      const notification = notificationOf(r.row);
      if (r.publicUrl !== undefined) signer?.setPublicUrl(r.publicUrl);
      const message: OutboundMessage = { id: r.row.id, createdAt: r.row.created_at, attempt: r.row.attempts, notification, links: signer?.linksFor(notification, r.row.retry_from) ?? {} };
      const pool = connections.acquire(channel);
      try {
        outcome = await sendThroughChannel(message, channel, { signal: abort.signal, clock: clockFrom(r.now), agents: pool.agents });
      } finally {
        pool.release();
      }
    } catch (e) {
      outcome = { ok: false, retryable: true, error: `${channel.kind} channel failed: ${(e as Error).message}` };
    }
  }
  answer({ seq: r.seq, outcome, durationMs: performance.now() - started });
}

port.on('message', (m: ToSendThread) => {
  switch (m.op) {
    case 'send':
      for (const r of m.requests) void send(r);
      return;
    case 'channels':
      channels = new Map(m.channels.map((c) => [c.id, c]));
      connections.configure(m.channels);
      listenFor(abort.signal);
      return;
    case 'abort':
      abort.abort(new Error('outbox worker stopped'));
      abort = new AbortController();
      listenFor(abort.signal);
      return;
    case 'close':
      connections.destroy();
      port.close();
      return;
  }
});
