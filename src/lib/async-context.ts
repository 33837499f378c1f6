import { AsyncResource } from 'node:async_hooks';

/**
 * `fn`, run in the async context this is called from (its AsyncLocalStorage values) whoever calls
 * it later — what `AsyncResource.bind(fn)` does, without its cost: on Node 20 that defines two
 * deprecated accessors (DEP0172) on every function it returns, about 40 µs each time, which the
 * pipeline's queue and the simulated clock paid per queued job and per timer.
 */
export function bindContext<A extends unknown[], R>(fn: (...args: A) => R, name = 'opsbook.bound'): (...args: A) => R {
  const resource = new AsyncResource(name);
  return (...args: A): R => resource.runInAsyncScope(fn, undefined, ...args);
}
