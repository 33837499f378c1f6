import type { CheckResult } from './types.js';

/** Placeholders whose values are durations measured by opsbook's own event loop. */
export const TIMING_PLACEHOLDERS = ['RESPONSE_TIME', 'TTFB', 'DNS_TIME', 'CONNECT_TIME', 'TLS_TIME'] as const;

/** Default loop delay (ms) past which a timing-dependent verdict is withheld. */
export const DEFAULT_LOOP_DELAY_BOUND_MS = 100;

const TIMING = new RegExp(`\\[(${TIMING_PLACEHOLDERS.join('|')})\\]`);

/**
 * Whether a down result is down only because of time: its probe timed out, or every failed
 * `conditions:` entry reads a timing placeholder. A refused connection, a wrong status or body
 * is not about time.
 */
export function downOnlyForTime(result: CheckResult): boolean {
  if (result.status !== 'down') return false;
  if (result.error !== undefined) return result.error.startsWith('timeout');
  const failed = result.conditions.filter((c) => c.list === 'conditions' && !c.ok);
  return failed.length > 0 && failed.every((c) => TIMING.test(c.text));
}

/**
 * A run during which opsbook's event loop was late by more than `boundMs`: a verdict that depends on
 * time is withheld (`unknown`, with the reason) rather than reported as `down`. Anything else is kept.
 */
export function withholdUnderOverload(result: CheckResult, loopDelayMs: number, boundMs: number): CheckResult {
  if (loopDelayMs <= boundMs || !downOnlyForTime(result)) return result;
  const why = result.error ?? result.conditions.filter((c) => c.list === 'conditions' && !c.ok).map((c) => `${c.text} (actual: ${c.actual})`).join('; ');
  return {
    ...result,
    status: 'unknown',
    level: 'ok',
    error: `unknown: opsbook's event loop was ${Math.round(loopDelayMs)} ms late during this run (bound ${boundMs} ms), so "${why}" says nothing about the target`,
    loopDelayMs: Math.round(loopDelayMs),
  };
}
