/**
 * Real Celery workers and beats (Debian's python3-celery) for the celery check tests, each a child
 * process the test starts, stops, SIGSTOPs and kills, on a broker the test owns.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PYTHON = '/usr/bin/python3';
const APP_DIR = fileURLToPath(new URL('./celery/', import.meta.url));

/** Whether Debian's celery and redis modules import under /usr/bin/python3. */
export function celeryInstalled(): Promise<boolean> {
  return new Promise((resolve) => {
    if (!fs.existsSync(PYTHON)) return resolve(false);
    execFile(PYTHON, ['-c', 'import celery, redis'], (err) => resolve(!err));
  });
}

export interface CeleryProcesses {
  worker(name: string, queues: string[]): ChildProcess;
  beat(): ChildProcess;
  /** Runs Python with the app importable, e.g. to send tasks. */
  python(code: string): Promise<string>;
  /** SIGCONT then SIGKILL every process started, and remove the scratch folder. */
  stopAll(): Promise<void>;
}

export function celeryProcesses(broker: string): CeleryProcesses {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-celery-'));
  const children: ChildProcess[] = [];
  const env = { ...process.env, OPSBOOK_CELERY_BROKER: broker, PYTHONPATH: APP_DIR, PYTHONDONTWRITEBYTECODE: '1' };
  const start = (args: string[]): ChildProcess => {
    const child = spawn(PYTHON, ['-m', 'celery', '-A', 'opsbook_celery_app', ...args], { cwd: dir, env, stdio: 'ignore' });
    children.push(child);
    return child;
  };
  let beats = 0;
  return {
    worker: (name, queues) =>
      start(['worker', '-n', `${name}@opsbook-test`, '-Q', queues.join(','), '--pool', 'threads', '-c', '1', '--without-gossip', '--without-mingle', '--without-heartbeat', '-l', 'warning']),
    beat: () => {
      const n = ++beats;
      return start(['beat', '-s', path.join(dir, `schedule-${n}`), '--pidfile', path.join(dir, `beat-${n}.pid`), '-l', 'warning']);
    },
    python: (code) =>
      new Promise((resolve, reject) => {
        execFile(PYTHON, ['-c', code], { cwd: dir, env }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
      }),
    stopAll: async () => {
      await Promise.all(
        children.map(
          (c) =>
            new Promise<void>((resolve) => {
              if (c.exitCode !== null || c.signalCode !== null) return resolve();
              c.once('exit', () => resolve());
              c.kill('SIGCONT');
              c.kill('SIGKILL');
            }),
        ),
      );
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
