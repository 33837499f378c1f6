import type { Clock } from '../../../lib/clock.js';

/**
 * How many Chromium instances browser checks run at once, in this process. Each page load starts
 * its own browser (a crash or a hung page never touches another check), which costs a few hundred
 * MB and most of a core for a second or two — so the number is small and fixed.
 */
export const BROWSER_CONCURRENCY = 2;

const waiting: Array<() => void> = [];
let busy = 0;

/**
 * Takes one of the BROWSER_CONCURRENCY slots, waiting at most `waitMs`. Resolves with the release
 * function, or undefined when no slot freed in time (the caller reports the run as pending, not
 * down: a busy monitor is not an outage of what it watches).
 */
export function takeBrowserSlot(waitMs: number, signal: AbortSignal, clock: Clock): Promise<(() => void) | undefined> {
  const release = (): void => {
    busy--;
    waiting.shift()?.();
  };
  if (busy < BROWSER_CONCURRENCY) {
    busy++;
    return Promise.resolve(once(release));
  }
  return new Promise((resolve) => {
    const grant = (): void => {
      cancelTimer();
      signal.removeEventListener('abort', giveUp);
      busy++;
      resolve(once(release));
    };
    const giveUp = (): void => {
      cancelTimer();
      signal.removeEventListener('abort', giveUp);
      const i = waiting.indexOf(grant);
      if (i >= 0) waiting.splice(i, 1);
      resolve(undefined);
    };
    const cancelTimer = clock.at(clock.now() + waitMs, giveUp);
    signal.addEventListener('abort', giveUp, { once: true });
    waiting.push(grant);
  });
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (!done) {
      done = true;
      fn();
    }
  };
}

/** Slots in use now (for tests and /metrics). */
export function browserSlotsBusy(): number {
  return busy;
}
