import os from 'node:os';

// Read once: os.cpus() builds an object per core from /proc/cpuinfo on every call, and scaled() is
// called between every two timers of a simulated clock (3 % of a simulated-daemon test's CPU).
const CORES = Math.max(1, os.cpus().length);

/**
 * How much longer than on a quiet machine a wait may take here: the load average per core (at least
 * 1, at most 10), times OPSBOOK_TEST_TIME_SCALE when set. Waits in tests are upper bounds that only
 * matter when something is broken; scaling them keeps a loaded machine from failing a test that
 * would pass, without making any test slower when it passes.
 */
export function loadFactor(): number {
  const perCore = os.loadavg()[0]! / CORES;
  const env = Number(process.env.OPSBOOK_TEST_TIME_SCALE);
  return Math.min(10, Math.max(1, perCore)) * (Number.isFinite(env) && env > 0 ? env : 1);
}

/** `ms` of a quiet machine, scaled to this one's load now (see loadFactor). */
export function scaled(ms: number): number {
  return Math.round(ms * loadFactor());
}

/** Resolves once `ok` answers true, polling every 50 ms; throws after `timeoutMs`. */
export async function until(what: string, ok: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  for (const end = Date.now() + timeoutMs; !(await ok()); ) {
    if (Date.now() > end) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
