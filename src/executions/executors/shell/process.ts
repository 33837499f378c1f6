import { spawn } from 'node:child_process';
import { trackProcessGroup } from '../../../lib/process-groups.js';
import { OutputCollector } from '../output.js';
import type { ExecutorOutcome, RunOptions } from '../types.js';

export { MAX_OUTPUT_BYTES } from '../output.js';

/** After SIGTERM to the group, how long before SIGKILL. */
export const KILL_GRACE_MS = 2000;
/**
 * After the script ended and its group was killed, how long to wait for the output pipes to close:
 * a process that left the group (setsid) may hold them for ever.
 */
const DRAIN_MS = 500;

export interface SpawnRequest extends RunOptions {
  script: string;
  cwd: string;
  env: Record<string, string>;
  /** Given to the script on stdin (e.g. an HTTP response piped into `jq`); otherwise stdin is empty. */
  stdin?: string;
}

/**
 * Runs `bash -c script` as the leader of its own process group (`detached`), so a timeout or a
 * cancel can signal the whole group: `kill(-pgid)` reaches every child and grandchild that did
 * not leave the group. Programs that call setsid() or daemonise into a new session escape it.
 */
export function runInProcessGroup(req: SpawnRequest): Promise<ExecutorOutcome> {
  return new Promise((resolve) => {
    // No startup file: with its input a socket (as Node gives it) bash would take itself for a shell
    // started by sshd and, at SHLVL 0, source ~/.bashrc into every step (aliases, options, output).
    const child = spawn('bash', ['--norc', '--noprofile', '-c', req.script], {
      cwd: req.cwd,
      env: req.env,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const untrack = trackProcessGroup(child.pid);
    const out = new OutputCollector();
    const err = new OutputCollector();
    child.stdout.on('data', (b: Buffer) => {
      out.add(b);
      req.onOutput?.('stdout', b);
    });
    child.stderr.on('data', (b: Buffer) => {
      err.add(b);
      req.onOutput?.('stderr', b);
    });
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
      untrack();
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
      // The script is over: what it left running in its group (`sleep 1000 &`) would hold the output
      // pipes open until the step's time limit, so the group is killed now and the step ends with the
      // script's own status. A signalled group gets SIGKILL too, to make sure.
      killGroup('SIGKILL');
      setTimeout(() => finish(), DRAIN_MS);
    });
    child.on('close', () => finish());
    child.on('error', (e) => {
      err.add(Buffer.from(`opsbook: cannot start bash: ${e.message}\n`));
      finish();
    });
  });
}
