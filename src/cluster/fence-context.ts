import { AsyncLocalStorage } from 'node:async_hooks';
import type { LeaseToken } from '../store/index.js';

/**
 * The lease a piece of work runs under (a check's result, and the incident writes it causes). Work
 * carries it from where it began, through the pipeline's queue, to the transactions it writes in.
 */
const current = new AsyncLocalStorage<LeaseToken>();

export function runUnderLease<T>(token: LeaseToken | undefined, work: () => Promise<T>): Promise<T> {
  return token ? current.run(token, work) : work();
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
