import type { Clock } from '../../lib/clock.js';
import { clearLoginFailures, loginFailuresSince, pruneLoginFailures, recordLoginFailure, type Store } from '../../store/index.js';

export interface LoginLimits {
  /** Failures of one user name from one address allowed inside `windowMs` before it waits (default 5). */
  maxFailures: number;
  /** Failures from one address, whatever the user names, before the address waits (default 20). */
  maxAddressFailures: number;
  /** How far back failures count (default 15 min). */
  windowMs: number;
  /** First wait once over a limit; it doubles with each further failure (default 1 min). */
  baseDelayMs: number;
  /** Longest wait (default 15 min). */
  maxDelayMs: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { maxFailures: 5, maxAddressFailures: 20, windowMs: 15 * 60_000, baseDelayMs: 60_000, maxDelayMs: 15 * 60_000 };

export interface ThrottleVerdict {
  allowed: boolean;
  /** When refused: how long until the next attempt is accepted. */
  retryAfterMs: number;
  /** Which subject is over its limit (`user-at:NAME@ADDRESS` or `ip:ADDRESS`). */
  subject?: string;
}

/**
 * Failed sign-ins counted per (user name, client address) and per client address, in the store so
 * every opsbook process and a restart see the same counts. Up to the limit inside `windowMs` costs
 * nothing; past it, each attempt waits `baseDelayMs × 2^(failures − limit)` after the last failure,
 * capped at `maxDelayMs`. Refused attempts are not verified and do not count.
 *
 * There is deliberately no count per user name alone: failures anyone can cause from anywhere
 * would let them lock the real user out. A guesser is held per address instead.
 */
export class LoginThrottle {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly limits: LoginLimits = DEFAULT_LOGIN_LIMITS,
  ) {}

  static subjects(user: string, ip: string): { subject: string; limit: keyof Pick<LoginLimits, 'maxFailures' | 'maxAddressFailures'> }[] {
    return [
      { subject: `user-at:${user.toLowerCase()}@${ip}`, limit: 'maxFailures' },
      { subject: `ip:${ip}`, limit: 'maxAddressFailures' },
    ];
  }

  async check(user: string, ip: string): Promise<ThrottleVerdict> {
    const now = this.clock.now();
    let worst: ThrottleVerdict = { allowed: true, retryAfterMs: 0 };
    for (const { subject, limit } of LoginThrottle.subjects(user, ip)) {
      const max = this.limits[limit];
      const failures = await loginFailuresSince(this.store.db, subject, now - this.limits.windowMs);
      if (failures.length < max) continue;
      const over = failures.length - max;
      const delay = Math.min(this.limits.maxDelayMs, this.limits.baseDelayMs * 2 ** Math.min(over, 30));
      const wait = failures[failures.length - 1]! + delay - now;
      if (wait > worst.retryAfterMs) worst = { allowed: false, retryAfterMs: wait, subject };
    }
    return worst;
  }

  async failed(user: string, ip: string): Promise<void> {
    const now = this.clock.now();
    await recordLoginFailure(this.store.db, LoginThrottle.subjects(user, ip).map((s) => s.subject), now);
    await pruneLoginFailures(this.store.db, now - this.limits.windowMs);
  }

  /** A successful sign-in clears the user's count at this address; the address keeps its own. */
  async succeeded(user: string, ip: string): Promise<void> {
    await clearLoginFailures(this.store.db, LoginThrottle.subjects(user, ip)[0]!.subject);
  }
}
