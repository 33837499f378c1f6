import { Worker } from 'node:worker_threads';
import type { ChannelConfig } from '../config/schema/channels.js';
import type { OutboxRow } from '../store/repos/outbox.js';
import type { DeliveryOutcome } from './types.js';

/** What the send thread starts with. */
export interface SendThreadInit {
  channels: readonly ChannelConfig[];
  /** Sockets per receiver host in each channel's pool (the worker's send slots). */
  concurrency: number;
  /** The action-link key and the links' lifetime; without it messages carry no links. */
  links?: { key: Uint8Array; publicUrl: string; ttlMs: number };
}

export interface SendRequest {
  seq: number;
  row: OutboxRow;
  /** The main thread's clock when the row was handed over: the webhook timestamp, a Retry-After's base. */
  now: number;
  /** Where the message's action links point (`server.public_url`, which a reload may move). */
  publicUrl?: string;
}

export interface SentOutcome {
  seq: number;
  outcome: DeliveryOutcome;
  durationMs: number;
}

export type ToSendThread =
  | { op: 'send'; requests: SendRequest[] }
  | { op: 'channels'; channels: readonly ChannelConfig[] }
  | { op: 'abort' }
  | { op: 'close' };

/**
 * The thread, from dist/ (compiled JavaScript) or, when opsbook runs from its TypeScript sources
 * (the tests, OPSBOOK_FROM_SOURCE), through tsx's loader registered in the thread first.
 */
function sendWorker(init: SendThreadInit): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./send-thread-worker.js', import.meta.url), { workerData: init });
  const tsx = import.meta.resolve('tsx/esm/api');
  const module = new URL('./send-thread-worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(module)}); })`;
  return new Worker(boot, { eval: true, workerData: init });
}

/**
 * The channels' sends on a thread of their own. A page's HTTP exchange (the request, the TLS and
 * socket work, the answer's parsing), its body, its signature and its action links' HMACs are a
 * large share of a new incident's CPU; on the event loop they compete with the intake and the store
 * for one core. Here the main thread only hands claimed rows over and receives outcomes; it keeps
 * the store, the leases, the fencing and the settlement exactly as when it sends itself.
 * Rows handed over in one turn go in one message, and outcomes come back grouped the same way.
 */
export class SendThread {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, (r: SentOutcome) => void>();
  private seq = 0;
  private queued: SendRequest[] = [];
  private closed = false;
  /** Why the thread is gone, once it failed or exited on its own: later sends answer with it at once. */
  private failure: Error | undefined;

  constructor(init: SendThreadInit) {
    this.worker = sendWorker(init);
    this.worker.on('message', (m: { op: 'sent'; outcomes: SentOutcome[] }) => {
      for (const o of m.outcomes) {
        const resolve = this.waiting.get(o.seq);
        this.waiting.delete(o.seq);
        resolve?.(o);
      }
    });
    this.worker.on('error', (e) => this.failAll(e));
    this.worker.on('exit', (code) => this.failAll(new Error(`the send thread exited (${code})`)));
    // A daemon's only threads must not keep a finished process alive.
    this.worker.unref();
  }

  /** Sends one claimed row through its channel; resolves with the outcome and how long the send took. */
  send(row: OutboxRow, now: number, publicUrl?: string): Promise<SentOutcome> {
    if (this.failure) return Promise.resolve({ seq: -1, outcome: { ok: false, retryable: true, error: `send thread failed: ${this.failure.message}` }, durationMs: 0 });
    if (this.closed) return Promise.resolve({ seq: -1, outcome: { ok: false, retryable: true, error: 'stopped before the receiver answered' }, durationMs: 0 });
    const seq = this.seq++;
    return new Promise((resolve) => {
      this.waiting.set(seq, resolve);
      this.queued.push({ seq, row, now, ...(publicUrl !== undefined ? { publicUrl } : {}) });
      if (this.queued.length === 1) queueMicrotask(() => this.post({ op: 'send', requests: this.queued.splice(0) }));
    });
  }

  setChannels(channels: readonly ChannelConfig[]): void {
    this.post({ op: 'channels', channels });
  }

  /** Ends the sends in flight now (each answers "stopped"). */
  abort(): void {
    this.post({ op: 'abort' });
  }

  /** Closes the thread once the sends in flight have answered. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.post({ op: 'close' });
    await new Promise<void>((resolve) => {
      if (this.failure || (this.waiting.size === 0 && this.queued.length === 0)) return resolve();
      this.worker.once('exit', () => resolve());
    });
    await this.worker.terminate();
  }

  private post(m: ToSendThread): void {
    this.worker.postMessage(m);
  }

  private failAll(e: Error): void {
    this.failure ??= e;
    for (const [seq, resolve] of this.waiting) resolve({ seq, outcome: { ok: false, retryable: true, error: `send thread failed: ${e.message}` }, durationMs: 0 });
    this.waiting.clear();
  }
}
