import fs from 'node:fs';
import { afterAll } from 'vitest';
import type { Harness } from '../../src/executions/test-support.js';
import { startCli, waitForExit } from './cli.js';
import type { createTestDatabase } from './services.js';

/**
 * What a test of `opsbook run` as a child process on PostgreSQL holds: its database, another opsbook
 * process on it (a harness), the child, the process group its step's shell leads (it outlives a
 * killed or stopped opsbook) and its directory. Each is set by the test once made.
 */
export interface CliRunParts {
  db?: Awaited<ReturnType<typeof createTestDatabase>>;
  h?: Harness;
  child?: ReturnType<typeof startCli>;
  group?: number;
  dir?: string;
}

/** The parts of the file's test, every one of them stopped and removed after it, whatever it left. */
export function cliRunOnPostgres(): CliRunParts {
  const parts: CliRunParts = {};
  afterAll(async () => {
    const { child, group, h, db, dir } = parts;
    if (child && child.child.exitCode === null && child.child.signalCode === null) {
      const exited = waitForExit(child.child);
      child.child.kill('SIGKILL');
      await exited;
    }
    if (group) {
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await h?.cleanup();
    await db?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  return parts;
}
