import { AsyncLocalStorage } from 'node:async_hooks';
import type { LeaseToken } from '../store/index.js';

/**
 * The lease a piece of work runs under (a check's result, and the incident writes it causes). Work
 * carries it from where it began, through the pipeline's queue (each job in the context it was
 * queued from), to the transactions it writes in. Whatever work defers (a timer, a worker it wakes)
 * inherits it too: a timer or worker that is not the lease's work is armed outside it (`outsideLease`)
 * or runs in the context it was built in (the escalation driver, the outbox worker, the coordinator).
 */
const current = new AsyncLocalStorage<LeaseToken>();

/** Runs `work` under `token`; without one, outside any lease (not under the caller's). */
export function runUnderLease<T>(token: LeaseToken | undefined, work: () => Promise<T>): Promise<T> {
  return token ? current.run(token, work) : current.exit(work);
}

/** The lease the running work was begun under; undefined for work no lease covers (a person's action). */
export function currentLease(): LeaseToken | undefined {
  return current.getStore();
}

/**
 * Runs `work` outside any lease: a timer armed inside it (while a check's result is handled) would
 * otherwise carry that check's lease to work that is not the check's.
 */
export function outsideLease<T>(work: () => T): T {
  return current.exit(work);
}
