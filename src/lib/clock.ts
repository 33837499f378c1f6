import { bindContext } from './async-context.js';

/**
 * Time is injected, never read directly in domain code, so every state machine can run on a
 * simulated clock in tests and in `opsbook test`. Instants are epoch milliseconds.
 */
export interface Clock {
  /** Current instant in epoch milliseconds. */
  now(): number;
  /**
   * Calls `fn` once at (or as soon as possible after) instant `at`. Returns a cancel function.
   * `fn` never runs inside this call, even when `at` has passed: a loop that re-arms its own timer
   * at the end of a run (and guards against re-entry) would otherwise lose the wake-up. It runs in
   * the async context `at` was called in (as a Node timer does), whatever moves time.
   */
  at(at: number, fn: () => void): () => void;
  /** Resolves at instant `at` (immediately when it has passed). */
  sleepUntil(at: number, signal?: AbortSignal): Promise<void>;
}

/** The last instant an ISO 8601 date with a four-digit year names (9999-12-31T23:59:59.999Z), in epoch ms. */
export const LAST_EPOCH_MS = 253_402_300_799_999;

/** Whether `ms` is an instant opsbook can store and write back as an ISO date: whole ms from 1970 to the end of year 9999. */
export function isInstant(ms: number): boolean {
  return Number.isSafeInteger(ms) && ms >= 0 && ms <= LAST_EPOCH_MS;
}

// Node's setTimeout overflows past 2^31-1 ms; long waits are chained.
const MAX_TIMEOUT = 2_147_483_647;

export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  at(at: number, fn: () => void): () => void {
    let handle: NodeJS.Timeout | undefined;
    let cancelled = false;
    const arm = (): void => {
      if (cancelled) return;
      const wait = at - Date.now();
      if (wait <= 0) {
        fn();
        return;
      }
      schedule(wait);
    };
    const schedule = (wait: number): void => {
      handle = setTimeout(arm, Math.min(Math.max(wait, 0), MAX_TIMEOUT));
      handle.unref?.();
    };
    schedule(at - Date.now());
    return () => {
      cancelled = true;
      if (handle) clearTimeout(handle);
    };
  }

  sleepUntil(at: number, signal?: AbortSignal): Promise<void> {
    return sleepWith(this, at, signal);
  }
}

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
}

/**
 * A clock that only moves when told to. `advance` fires every timer that falls due, in time order,
 * with `now()` equal to each timer's instant while it runs.
 */
export class SimulatedClock implements Clock {
  private current: number;
  private timers: Timer[] = [];
  private seq = 0;

  constructor(start: number | Date | string = Date.UTC(2026, 0, 1)) {
    this.current = typeof start === 'number' ? start : new Date(start).getTime();
  }

  now(): number {
    return this.current;
  }

  at(at: number, fn: () => void): () => void {
    // As setTimeout does: not in the context of the caller of advance() (a test, or a timer's work).
    const timer: Timer = { at, seq: this.seq++, fn: bindContext(fn) };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  sleepUntil(at: number, signal?: AbortSignal): Promise<void> {
    return sleepWith(this, at, signal);
  }

  /**
   * Moves time forward by `ms`, firing due timers in order. Awaits microtasks between timers, and
   * `between` after each timer when given: real work a timer started (a probe talking to a peer)
   * can finish before time moves past its own timeout.
   */
  async advance(ms: number, between?: () => Promise<void>): Promise<void> {
    await this.advanceTo(this.current + ms, between);
  }

  async advanceTo(target: number, between?: () => Promise<void>): Promise<void> {
    for (;;) {
      await flushMicrotasks();
      const due = this.timers
        .filter((t) => t.at <= target)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.current = Math.max(this.current, due.at);
      due.fn();
      if (between) await between();
    }
    this.current = Math.max(this.current, target);
    await flushMicrotasks();
  }

  /** The instant of the earliest timer waiting, or undefined when none is: a driver can jump straight to it. */
  nextTimerAt(): number | undefined {
    let next: number | undefined;
    for (const t of this.timers) if (next === undefined || t.at < next) next = t.at;
    return next;
  }

  /** Number of timers waiting; useful to assert a component cleaned up. */
  pendingTimers(): number {
    return this.timers.length;
  }
}

function sleepWith(clock: Clock, at: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const cancel = clock.at(at, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    const onAbort = (): void => {
      cancel();
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  await new Promise<void>((resolve) => setImmediate(resolve));
}
