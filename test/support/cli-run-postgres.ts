import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { harness, type Harness } from '../../src/executions/test-support.js';
import { startCli, waitForExit } from './cli.js';
import { createTestDatabase } from './services.js';

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

/**
 * Makes the database (named from `prefix`), the directory with the runbook at `file`, another opsbook
 * process on the database with the same runbook (it migrates it), and the ops.yaml the child runs
 * with (`storage` gets `storageExtra` lines, e.g. a short lease); each recorded in `parts`.
 */
export async function prepareCliRun(parts: CliRunParts, prefix: string, runbook: { file: string; text: string }, storageExtra = ''): Promise<{ db: NonNullable<CliRunParts['db']>; dir: string; h: Harness; config: string }> {
  const db = (parts.db = await createTestDatabase(prefix));
  const dir = (parts.dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix.replace(/_/g, '-')}-`)));
  const h = (parts.h = await harness({ config: { services: [{ id: 'web', shell: { cwd: dir } }] }, runbooks: [runbook], clock: 'system', storeUrl: db.url }));
  fs.mkdirSync(path.join(dir, path.dirname(runbook.file)), { recursive: true });
  fs.writeFileSync(path.join(dir, runbook.file), runbook.text);
  const config = path.join(dir, 'ops.yaml');
  fs.writeFileSync(config, `storage:\n  url: ${db.url}\n${storageExtra}users:\n  - { name: res, role: responder }\nservices:\n  - { id: web, shell: { cwd: ${dir} } }\nrunbooks:\n  - runbooks/*.md\n`);
  return { db, dir, h, config };
}
