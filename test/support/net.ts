export { freePort } from '../../src/lib/net.js';

export async function waitForHttp(url: string, timeoutMs = 20_000, okStatus = 200): Promise<number> {
  const t0 = Date.now();
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

