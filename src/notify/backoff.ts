/** Retry timing per channel: `retry.initial`, `retry.max_interval`, `retry.max_age`, in ms. */
export interface RetryPolicy {
  initialMs: number;
  maxIntervalMs: number;
  maxAgeMs: number;
}

/**
 * Exponential backoff with full jitter: the n-th retry waits a uniform random time in
 * [0, min(max_interval, initial·2^(n-1))]. Full jitter spreads a burst of failures (a receiver that
 * was down for everyone) instead of having them all return at the same instant.
 */
export function backoffCeiling(policy: RetryPolicy, retry: number): number {
  const exp = Math.min(Math.max(retry - 1, 0), 40);
  return Math.min(policy.maxIntervalMs, policy.initialMs * 2 ** exp);
}

export type RetryDecision = { retry: true; at: number } | { retry: false; reason: string };

/**
 * When to try again after a retryable failure, or that the message has been failing for too long.
 * A Retry-After from the receiver is honoured as a minimum. The last attempt is placed at the end of
 * the window rather than skipped, so a message is never given up before `max_age` has passed.
 */
export function nextRetry(
  policy: RetryPolicy,
  o: { now: number; windowStart: number; retry: number; retryAfterMs?: number; random: () => number },
): RetryDecision {
  const deadline = o.windowStart + policy.maxAgeMs;
  if (o.now >= deadline) return { retry: false, reason: `still failing after retry.max_age (${Math.round(policy.maxAgeMs / 1000)}s)` };
  const jittered = Math.floor(o.random() * backoffCeiling(policy, o.retry));
  const wait = Math.max(jittered, o.retryAfterMs ?? 0);
  return { retry: true, at: Math.min(o.now + wait, deadline) };
}
