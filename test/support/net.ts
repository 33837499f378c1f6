export { freePort } from '../../src/lib/net.js';
import { scaled } from './timing.js';

/**
 * Polls `url` until it answers `okStatus`; resolves with the milliseconds it took. `timeoutMs` is a
 * quiet machine's bound, scaled to the load here (test/support/timing.ts).
 */
export async function waitForHttp(url: string, quietTimeoutMs = 20_000, okStatus = 200): Promise<number> {
  const t0 = Date.now();
  const timeoutMs = scaled(quietTimeoutMs);
  while (Date.now() - t0 < timeoutMs) {
    try {
      const r = await fetch(url);
      if (r.status === okStatus) return Date.now() - t0;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} did not answer ${okStatus} within ${timeoutMs} ms`);
}

