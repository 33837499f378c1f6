import type { Clock } from '../../lib/clock.js';
import { clearLoginFailures, loginFailuresSince, pruneLoginFailures, recordLoginFailure, type Store } from '../../store/index.js';

export interface LoginLimits {
  /** Failures allowed inside `windowMs` before sign-in waits (default 5). */
  maxFailures: number;
  /** How far back failures count (default 15 min). */
  windowMs: number;
  /** First wait once over the limit; it doubles with each further failure (default 1 min). */
  baseDelayMs: number;
  /** Longest wait (default 15 min). */
  maxDelayMs: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { maxFailures: 5, windowMs: 15 * 60_000, baseDelayMs: 60_000, maxDelayMs: 15 * 60_000 };

export interface ThrottleVerdict {
  allowed: boolean;
  /** When refused: how long until the next attempt is accepted. */
  retryAfterMs: number;
  /** Which subject is over its limit (`user:NAME` or `ip:ADDRESS`). */
  subject?: string;
}

/**
 * Failed sign-ins counted per user name and per client address, in the store so every opsbook
 * process and a restart see the same counts. Up to `maxFailures` failures in `windowMs` cost
 * nothing; past that, each attempt waits `baseDelayMs × 2^(failures − maxFailures)` after the last
 * failure, capped at `maxDelayMs`. Refused attempts are not verified and do not count.
 */
export class LoginThrottle {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly limits: LoginLimits = DEFAULT_LOGIN_LIMITS,
  ) {}

  static subjects(user: string, ip: string): string[] {
    return [`user:${user.toLowerCase()}`, `ip:${ip}`];
  }

  async check(user: string, ip: string): Promise<ThrottleVerdict> {
    const now = this.clock.now();
    let worst: ThrottleVerdict = { allowed: true, retryAfterMs: 0 };
    for (const subject of LoginThrottle.subjects(user, ip)) {
      const failures = await loginFailuresSince(this.store.db, subject, now - this.limits.windowMs);
      if (failures.length < this.limits.maxFailures) continue;
      const over = failures.length - this.limits.maxFailures;
      const delay = Math.min(this.limits.maxDelayMs, this.limits.baseDelayMs * 2 ** Math.min(over, 30));
      const wait = failures[failures.length - 1]! + delay - now;
      if (wait > worst.retryAfterMs) worst = { allowed: false, retryAfterMs: wait, subject };
    }
    return worst;
  }

  async failed(user: string, ip: string): Promise<void> {
    const now = this.clock.now();
    await recordLoginFailure(this.store.db, LoginThrottle.subjects(user, ip), now);
    await pruneLoginFailures(this.store.db, now - this.limits.windowMs);
  }

  /** A successful sign-in clears the user's count; the address keeps its own. */
  async succeeded(user: string): Promise<void> {
    await clearLoginFailures(this.store.db, `user:${user.toLowerCase()}`);
  }
}
