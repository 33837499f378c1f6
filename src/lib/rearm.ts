import type { Clock } from './clock.js';

/** How long a timer that arms itself again waits after a failed run before the next (see rearmAfter). */
export const RETRY_AFTER_ERROR_MS = 5_000;

/**
 * One run of a timer that arms itself again after each run: `run`, then `rearm` — after a failed run
 * too, for an error (a locked or full store, a lost connection, a fencing refusal) must not end the
 * timer for good, unseen. A failure is reported once to `onError`, with its cause, and the next run
 * is then armed no sooner than `retryMs` from now (`notBefore`): work that fell due stays due, and
 * armed at once it would spin against the store that refused it.
 */
export async function rearmAfter(
  clock: Clock,
  run: () => Promise<unknown>,
  rearm: (notBefore?: number) => unknown,
  onError: (err: unknown) => void,
  retryMs = RETRY_AFTER_ERROR_MS,
): Promise<void> {
  let notBefore: number | undefined;
  try {
    await run();
  } catch (err) {
    onError(err);
    notBefore = clock.now() + retryMs;
  }
  await rearm(notBefore);
}
