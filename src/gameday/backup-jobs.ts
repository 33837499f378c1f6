import { spawn } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../lib/clock.js';
import { OpsbookError } from '../lib/errors/index.js';

/** Real time one run may take (a pg_dump of a small database, a POST to loopback). */
const RUN_TIMEOUT_MS = 60_000;

export interface BackupJobSpec {
  /** The heartbeat check the job reports to when it has written its dump. */
  heartbeat: string;
  /** Its schedule on the simulated clock (ms). */
  everyMs: number;
  /** The dump's file name before `_<UTC time>.dump`, in the world's backup directory. */
  name: string;
}

export interface BackupJobRun {
  code: number;
  output: string;
}

export interface BackupJobs {
  /** Where each job's script is (`<dir>/<heartbeat>`): `${GAMEDAY_BACKUP_JOBS_DIR}`. */
  dir: string;
  /**
   * Writes each job's script with its heartbeat URL (known once the daemon runs and has registered
   * the check), runs each once and then every period on the clock.
   */
  start(heartbeatUrl: (checkId: string) => Promise<string>): Promise<void>;
  /** The job stops running on its schedule (a run under way finishes first); `enable` puts it back. */
  disable(heartbeat: string): Promise<void>;
  enable(heartbeat: string): void;
  /** Runs the job's script once now, as a person re-running a cron job would. */
  run(heartbeat: string): Promise<BackupJobRun>;
  close(): Promise<void>;
}

interface Job extends BackupJobSpec {
  enabled: boolean;
  script: string;
  cancel?: () => void;
  running?: Promise<BackupJobRun>;
}

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The world's backup jobs: each a shell script (a real `pg_dump -Fc` of the world's database into
 * its backup directory, then — only when the dump succeeded — a POST to its heartbeat URL, as a cron
 * job ending in `&& curl` does), run by the world on the simulated clock every period. A backup
 * freshness that is a heartbeat then ages for real when the job stops.
 */
export function backupJobs(specs: readonly BackupJobSpec[], world: { dir: string; backupDir: string; databaseUrl: string }, clock: Clock): BackupJobs {
  const dir = join(world.dir, 'jobs');
  const jobs = new Map<string, Job>(specs.map((s) => [s.heartbeat, { ...s, enabled: true, script: join(dir, s.heartbeat) }]));
  let closed = false;
  const find = (heartbeat: string): Job => {
    const job = jobs.get(heartbeat);
    if (!job) throw new OpsbookError('OPSBOOK_E_GAMEDAY_INVALID', `no backup job reports to "${heartbeat}" (backup_jobs: ${[...jobs.keys()].join(', ') || 'none'})`);
    return job;
  };
  const run = (job: Job): Promise<BackupJobRun> => {
    const running = (job.running ??= execute(job.script).finally(() => {
      job.running = undefined;
    }));
    return running;
  };
  const schedule = (job: Job): void => {
    job.cancel?.();
    job.cancel = clock.at(clock.now() + job.everyMs, () => {
      if (closed || !job.enabled) return;
      void run(job);
      schedule(job);
    });
  };
  return {
    dir,
    start: async (heartbeatUrl) => {
      await mkdir(dir, { recursive: true });
      for (const job of jobs.values()) {
        const url = await heartbeatUrl(job.heartbeat);
        await writeFile(job.script, [
          '#!/bin/sh',
          `# The game-day world's backup job reporting to the heartbeat check ${job.heartbeat}: a real dump,`,
          '# then the heartbeat, only when the dump succeeded.',
          'set -e',
          `pg_dump -Fc -f ${quote(join(world.backupDir, job.name))}_$(date -u +%Y%m%d_%H%M%S).dump ${quote(world.databaseUrl)}`,
          `curl -fsS -X POST ${quote(url)}`,
          '',
        ].join('\n'));
        await chmod(job.script, 0o755);
        const first = await run(job);
        if (first.code !== 0) throw new OpsbookError('OPSBOOK_E_GAMEDAY_WORLD', `the backup job for ${job.heartbeat} failed on its first run: ${first.output.trim().split('\n').slice(-2).join(' ')}`);
        schedule(job);
      }
    },
    disable: async (heartbeat) => {
      const job = find(heartbeat);
      job.enabled = false;
      job.cancel?.();
      await job.running;
    },
    enable: (heartbeat) => {
      const job = find(heartbeat);
      if (job.enabled) return;
      job.enabled = true;
      schedule(job);
    },
    run: async (heartbeat) => run(find(heartbeat)),
    close: async () => {
      closed = true;
      for (const job of jobs.values()) job.cancel?.();
      await Promise.all([...jobs.values()].map((j) => j.running));
    },
  };
}

function execute(script: string): Promise<BackupJobRun> {
  return new Promise((resolve) => {
    const child = spawn('sh', [script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const kill = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.on('error', (e) => {
      clearTimeout(kill);
      resolve({ code: 127, output: `${output}${e.message}` });
    });
    child.on('close', (code) => {
      clearTimeout(kill);
      resolve({ code: code ?? 1, output });
    });
  });
}
