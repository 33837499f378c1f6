/**
 * The store helpers are shared with the torture, chaos and game-day scripts, which run outside
 * Vitest: there they must build stores the old way instead of throwing for want of the test run's
 * templates.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './cli.js';
import { placeMigratedSqlite } from './migrated-database.js';

const run = promisify(execFile);
let dir: string | undefined;
afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('migrated test stores', () => {
  it('places a copy of the migrated SQLite template inside a test run', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-migrated-'));
    const file = path.join(dir, 'nested', 'opsbook.db');
    placeMigratedSqlite(file);
    expect(fs.statSync(file).size).toBeGreaterThan(0);
  });

  it('leaves the file to the store to migrate in a process Vitest did not start (npm run torture)', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-migrated-'));
    const file = path.join(dir, 'opsbook.db');
    const script = `import { placeMigratedSqlite } from ${JSON.stringify(path.join(REPO_ROOT, 'test/support/migrated-database.ts'))};
placeMigratedSqlite(${JSON.stringify(file)});
console.log('placed: ' + (await import('node:fs')).existsSync(${JSON.stringify(file)}));`;
    const env = { ...process.env };
    for (const k of Object.keys(env)) if (k.startsWith('VITEST')) delete env[k];
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO_ROOT, env, timeout: 120_000 });
    expect(stdout.trim()).toBe('placed: false');
  });
});
