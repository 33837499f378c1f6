/**
 * A real opsbook daemon in a child process on a simulated clock (test/torture/daemon-child.ts: wired
 * as `opsbook serve` is), for tests that kill it with SIGKILL and start it again on the same store at a
 * later simulated instant. The clock moves only when the test says so; every timer due on the way fires
 * at its own instant.
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { openStore, type Store } from '../../src/store/index.js';
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

/**
 * Daemons started one after another on one SQLite store (`opsbook.db` beside the config), each
 * killed before the next, and the test's own connection to that store. `close` kills what still
 * runs and closes the store; `dir` is read at the first start (tests make it inside their `it`).
 */
export class DaemonsOnOneStore {
  private readonly running: KillableDaemon[] = [];
  private opened: Store | undefined;

  constructor(private readonly dir: () => string) {}

  async start(at: number): Promise<KillableDaemon> {
    const d = await startKillableDaemon(path.join(this.dir(), 'ops.yaml'), at);
    this.running.push(d);
    this.opened ??= await openStore({ url: path.join(this.dir(), 'opsbook.db') });
    return d;
  }

  async kill(d: KillableDaemon): Promise<void> {
    this.running.splice(this.running.indexOf(d), 1);
    await d.kill();
  }

  /** The test's connection to the store (open once a daemon has started). */
  get store(): Store {
    if (!this.opened) throw new Error('no daemon has started yet: the store is not open');
    return this.opened;
  }

  /** The stored incidents, oldest first: id and state. */
  async incidents(): Promise<Array<{ id: string; state: string }>> {
    return (await this.store.db.selectFrom('incidents').select(['id', 'state']).orderBy('opened_at').execute()).map((i) => ({ ...i }));
  }

  async close(): Promise<void> {
    for (const d of this.running.splice(0)) await d.kill();
    await this.opened?.close();
    this.opened = undefined;
  }
}
