import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileCheck } from '../checks/compile.js';
import { releaseCheckState, runCheckOnce } from '../checks/run-once.js';
import { checkSchema } from '../config/schema/checks.js';
import { SystemClock } from '../lib/clock.js';
import { OpsbookError } from '../lib/errors/index.js';
import { running, spawnTracked, stopProcess } from './faults/processes.js';

const PYTHON = '/usr/bin/python3';
const APP_DIR = fileURLToPath(new URL('./celery/', import.meta.url));
/**
 * `python3 -m celery -A <the world's app>` through the launcher next to the app: Celery's own command
 * line without the imports it makes for a terminal (celery/opsbook_gameday_celery_cli.py), ~0.15 s of
 * CPU less for each worker, beat and `celery` command line the game day starts.
 */
const CELERY = ['-m', 'opsbook_gameday_celery_cli', '-A', 'opsbook_gameday_celery'];

export interface CeleryWorldSpec {
  /** Queue a task goes to when no route names one (`task_default_queue`). */
  default_queue: string;
  workers: Array<{ name: string; queues: string[] }>;
  /** Periodic task names one beat sends, each every `beat_period_ms` (real time). */
  beat_tasks: string[];
  beat_period_ms: number;
}

export interface CeleryWorker {
  name: string;
  queues: string[];
  /** running, frozen (SIGSTOP: the process is there and answers nothing) or stopped (exited). */
  state(): 'running' | 'frozen' | 'stopped';
  /** SIGSTOP; thaw() sends SIGCONT. */
  freeze(): void;
  thaw(): void;
  /** Warm shutdown (SIGTERM, SIGKILL past 10 s); start() runs it again and waits until it answers. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

export interface CeleryBeat {
  /** The periodic tasks the running beat leaves out of its schedule. */
  unscheduled(): string[];
  /**
   * Stops beat and starts it again with `unscheduled` left out of its schedule (none: the whole
   * schedule); resolves once the new beat is the only sender in a whole beat window.
   */
  restart(unscheduled: string[]): Promise<void>;
}

export interface CeleryWorld {
  /**
   * ms a beat check's `beat_window` needs in this world: three compressed periods. At one and a half
   * a beat starved of CPU for under a second on a loaded machine read as no beat at all
   * (`[BEAT_INSTANCES] == 1` failed with the beat healthy).
   */
  beatWindowMs: number;
  workers: CeleryWorker[];
  /** The world's one beat, when it has periodic tasks. */
  beat?: CeleryBeat;
  /** The real `celery` command line (`inspect ping`, `call TASK` …) against the world's app and broker. */
  cli(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

/**
 * Real Celery workers and one beat (Debian's python3-celery and python3-redis under /usr/bin/python3)
 * on the world's private Redis; ready once every worker answers a ping and beat has sent.
 */
export async function startCelery(spec: CeleryWorldSpec, broker: string): Promise<CeleryWorld> {
  const missing = await celeryMissing();
  if (missing) throw new OpsbookError('OPSBOOK_E_GAMEDAY_WORLD', `the game day runs real Celery workers: ${missing} (apt-get install python3-celery python3-redis)`);
  const dir = await mkdtemp(join(tmpdir(), 'opsbook-gameday-celery-'));
  const env = {
    PATH: process.env.PATH ?? '', HOME: dir, PYTHONPATH: APP_DIR, PYTHONDONTWRITEBYTECODE: '1',
    OPSBOOK_CELERY_BROKER: broker, OPSBOOK_CELERY_DEFAULT_QUEUE: spec.default_queue,
    OPSBOOK_CELERY_BEAT_TASKS: spec.beat_tasks.join(','), OPSBOOK_CELERY_BEAT_PERIOD: String(spec.beat_period_ms / 1000),
  };
  const children = new Set<ChildProcess>();
  const start = (args: string[], extraEnv: Record<string, string> = {}): ChildProcess => {
    const child = spawnTracked(PYTHON, [...CELERY, ...args], { cwd: dir, env: { ...env, ...extraEnv }, stdio: 'ignore' });
    children.add(child);
    child.once('exit', () => children.delete(child));
    return child;
  };
  const stop = async (): Promise<void> => {
    await Promise.all([...children].map((c) => stopProcess(c)));
    await rm(dir, { recursive: true, force: true });
  };
  const workers = spec.workers.map((w): CeleryWorker => {
    let child: ChildProcess | undefined;
    let frozen = false;
    const state = (): 'running' | 'frozen' | 'stopped' => (!running(child) ? 'stopped' : frozen ? 'frozen' : 'running');
    const spawnWorker = (): void => {
      frozen = false;
      child = start(['worker', '-n', `${w.name}@gameday`, '-Q', w.queues.join(','), '--pool', 'threads', '-c', '1', '--without-gossip', '--without-mingle', '--without-heartbeat', '-l', 'warning']);
    };
    const worker: CeleryWorker = {
      name: w.name,
      queues: w.queues,
      state,
      freeze: () => {
        if (state() !== 'running') return;
        child!.kill('SIGSTOP');
        frozen = true;
      },
      thaw: () => {
        if (state() !== 'frozen') return;
        child!.kill('SIGCONT');
        frozen = false;
      },
      stop: async () => {
        await stopProcess(child, 'SIGTERM', 10_000);
        frozen = false;
      },
      start: async () => {
        if (state() === 'frozen') worker.thaw();
        if (state() === 'stopped') spawnWorker();
        await waitReady(broker, workers.filter((x) => x.state() === 'running').length, [], 0);
      },
    };
    spawnWorker();
    return worker;
  });
  const beatWindowMs = spec.beat_period_ms * 3;
  let beatChild: ChildProcess | undefined;
  let beatRuns = 0;
  let unscheduled: string[] = [];
  // Each beat its own schedule file: a restart starts from the schedule it is given.
  const startBeat = (): void => {
    const n = ++beatRuns;
    beatChild = start(['beat', '-s', join(dir, `schedule-${n}`), '--pidfile', join(dir, `beat-${n}.pid`), '-l', 'warning'], { OPSBOOK_CELERY_BEAT_UNSCHEDULED: unscheduled.join(',') });
  };
  const beat: CeleryBeat | undefined = spec.beat_tasks.length > 0 ? {
    unscheduled: () => [...unscheduled],
    restart: async (leftOut) => {
      await stopProcess(beatChild, 'SIGTERM', 10_000);
      unscheduled = [...leftOut];
      startBeat();
      // A fresh watcher listens a whole window after the old beat is gone: only the new one sends in it.
      const running = workers.filter((w) => w.state() === 'running').length;
      await waitReady(broker, running, spec.beat_tasks.filter((t) => !unscheduled.includes(t)), beatWindowMs);
    },
  } : undefined;
  try {
    if (beat) startBeat();
    await waitReady(broker, spec.workers.length, spec.beat_tasks, beatWindowMs);
    const cli = (args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
      new Promise((resolve) => {
        execFile(PYTHON, [...CELERY, ...args], { cwd: dir, env, timeout: 30_000 }, (err, stdout, stderr) => {
          const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
          resolve({ code, stdout, stderr });
        });
      });
    return { beatWindowMs, workers, ...(beat ? { beat } : {}), cli, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

let installed: Promise<string | undefined> | undefined;

/**
 * Why Celery cannot run here (python3-celery or python3-redis missing), or undefined: asked once
 * per process — a python3 that imports both costs ~0.3 s of CPU, and every Celery world asked.
 */
function celeryMissing(): Promise<string | undefined> {
  installed ??= new Promise((resolve) => {
    execFile(PYTHON, ['-c', 'import celery, redis'], (err) => resolve(err ? err.message.split('\n').at(-2) ?? err.message : undefined));
  });
  const asked = installed;
  // Missing is asked again by the next world (it may be installed meanwhile), not remembered.
  void asked.then((m) => {
    if (m !== undefined && installed === asked) installed = undefined;
  });
  return asked;
}

/** Waits until exactly `workers` workers answer a ping (and beat sends, when it has tasks). */
async function waitReady(broker: string, workers: number, beatTasks: string[], beatWindowMs: number): Promise<void> {
  const ready = checkSchema.parse({
    id: 'gameday-celery-ready', kind: 'celery', broker, timeout: '10s',
    ...(beatTasks.length > 0 ? { beat_tasks: beatTasks, beat_window: `${beatWindowMs}ms` } : {}),
    conditions: [`[WORKERS_ALIVE] == ${workers}`, ...(beatTasks.length > 0 ? ['[BEAT_INSTANCES] == 1'] : [])],
  });
  const check = compileCheck(ready);
  const clock = new SystemClock();
  // One beat watcher for every attempt: it listens a whole window once, from this call on (after a
  // restarted beat's predecessor is gone), and each later attempt reads the window just passed.
  const state: Record<string, unknown> = {};
  // Python imports are slow on a busy machine: a generous bound, left as soon as all answer.
  let last = '';
  try {
    for (let i = 0; i < 60; i++) {
      const r = await runCheckOnce(check, { clock, state });
      if (r.status === 'up') return;
      last = r.conditions.map((c) => `${c.text} (saw ${c.actual ?? '?'})`).join(', ');
      await new Promise((res) => setTimeout(res, 1000));
    }
  } finally {
    releaseCheckState(check, state);
  }
  throw new OpsbookError('OPSBOOK_E_GAMEDAY_WORLD', `Celery workers${beatTasks.length > 0 ? ' and beat' : ''} did not come up within 60 s: ${last}`);
}
