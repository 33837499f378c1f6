/**
 * A real opsbook daemon in a child process on a simulated clock (test/torture/daemon-child.ts: wired
 * as `opsbook serve` is), for tests that kill it with SIGKILL and start it again on the same store at a
 * later simulated instant. The clock moves only when the test says so; every timer due on the way fires
 * at its own instant.
 */
import type { ChildProcess } from 'node:child_process';
import { kill9, startChild } from './crash.js';

export interface KillableDaemon {
  /** The daemon's HTTP API (no trailing slash). */
  readonly api: string;
  readonly child: ChildProcess;
  /** Moves the clock to `at`, firing every timer due on the way; resolves once the pipeline has settled. */
  advanceTo(at: number): Promise<void>;
  /** SIGKILL: no handler, no clean-up; resolves once the process has gone. */
  kill(): Promise<void>;
}

/** Starts the daemon over `configPath` (its ops.yaml) with its clock at `at`; the caller kills it (`kill`), also on failure. */
export async function startKillableDaemon(configPath: string, at: number): Promise<KillableDaemon> {
  const lines: string[] = [];
  const child = await startChild('test/torture/daemon-child.ts', [configPath, String(at)], (l) => lines.push(l));
  const pick = (word: string) => lines.find((l) => l.startsWith(`${word} `))!.slice(word.length + 1);
  const control = pick('control');
  return {
    api: pick('api').replace(/\/$/, ''),
    child,
    async advanceTo(to) {
      const r = await fetch(`${control}/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ to }) });
      if (r.status !== 200) throw new Error(`the daemon could not advance to ${new Date(to).toISOString()}: ${await r.text()}`);
    },
    async kill() {
      await kill9(child);
    },
  };
}
