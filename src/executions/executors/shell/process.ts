import { spawn } from 'node:child_process';
import type { ExecutorOutcome, RunOptions } from '../types.js';

/** Output kept in memory per stream; past it the rest is counted and dropped. */
export const MAX_OUTPUT_BYTES = 16 * 1024 * 1024;
/** After SIGTERM to the group, how long before SIGKILL. */
export const KILL_GRACE_MS = 2000;

export interface SpawnRequest extends RunOptions {
  script: string;
  cwd: string;
  env: Record<string, string>;
  /** Given to the script on stdin (e.g. an HTTP response piped into `jq`); otherwise stdin is empty. */
  stdin?: string;
}

class Collector {
  private chunks: Buffer[] = [];
  private kept = 0;
  total = 0;
  add(b: Buffer): void {
    this.total += b.length;
    if (this.kept >= MAX_OUTPUT_BYTES) return;
    const part = b.subarray(0, MAX_OUTPUT_BYTES - this.kept);
    this.chunks.push(part);
    this.kept += part.length;
  }
  text(): string {
    const s = Buffer.concat(this.chunks).toString('utf8');
    return this.total > this.kept ? `${s}\n[opsbook: ${this.total - this.kept} more bytes dropped]` : s;
  }
}

/**
 * Runs `bash -c script` as the leader of its own process group (`detached`), so a timeout or a
 * cancel can signal the whole group: `kill(-pgid)` reaches every child and grandchild that did
 * not leave the group. Programs that call setsid() or daemonise into a new session escape it.
 */
export function runInProcessGroup(req: SpawnRequest): Promise<ExecutorOutcome> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', req.script], {
      cwd: req.cwd,
      env: req.env,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out = new Collector();
    const err = new Collector();
    child.stdout.on('data', (b: Buffer) => out.add(b));
    child.stderr.on('data', (b: Buffer) => err.add(b));
    child.stdin.on('error', () => {}); // the script may exit before reading its input
    child.stdin.end(req.stdin ?? '');

    let ended: 'timeout' | 'cancelled' | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    let exitCode: number | null = null;
    let signalName: string | null = null;
    let settled = false;

    const killGroup = (signal: NodeJS.Signals): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // ESRCH: the group is already gone.
      }
    };
    const stop = (why: 'timeout' | 'cancelled'): void => {
      if (ended) return;
      ended = why;
      killGroup('SIGTERM');
      killTimer = setTimeout(() => {
        killGroup('SIGKILL');
        // Something that escaped the group may still hold our pipes: stop waiting for them.
        setTimeout(() => finish(), 500).unref();
      }, KILL_GRACE_MS);
      killTimer.unref();
    };
    const timer = setTimeout(() => stop('timeout'), req.timeoutMs);
    const onAbort = (): void => stop('cancelled');
    if (req.signal.aborted) onAbort();
    else req.signal.addEventListener('abort', onAbort, { once: true });

    const finish = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      req.signal.removeEventListener('abort', onAbort);
      // Children left in the group after the leader exited normally are stopped too: a step owns its processes.
      if (!ended) killGroup('SIGKILL');
      child.stdout.destroy();
      child.stderr.destroy();
      const status = ended ?? (exitCode === 0 ? 'ok' : 'failed');
      resolve({
        status,
        exitCode,
        stdout: out.text(),
        stderr: err.text(),
        data: { pid: child.pid, ...(signalName ? { signal: signalName } : {}), stdoutBytes: out.total, stderrBytes: err.total },
      });
    };
    child.on('exit', (code, signal) => {
      exitCode = code;
      signalName = signal;
      if (ended) {
        // The group was signalled: give it the grace period to go, then make sure.
        killGroup('SIGKILL');
      }
    });
    child.on('close', () => finish());
    child.on('error', (e) => {
      err.add(Buffer.from(`opsbook: cannot start bash: ${e.message}\n`));
      finish();
    });
  });
}
