/**
 * readRunbook, as the config load reads runbooks (reader.ts), loads the PostgreSQL parser only
 * for a runbook whose SQL the plain reader does not read, and reads every runbook exactly as
 * parseRunbook does with the parser loaded up front. In a fresh process: in this one the parser
 * is loaded already.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseRunbook } from './index.js';
import { scaled } from '../../test/support/timing.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const seedDir = path.resolve(here, '../../test/fixtures/runbooks/seeds');
const seeds = fs.readdirSync(seedDir).sort();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-read-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const PLAIN = '# Db\n\n## RB-1: Slow queries\n\n```sql\nSELECT pid, query FROM pg_stat_activity;\n```\n\n```bash\npsql -c "SELECT 1"\n```\n';
const PARSED = '# Db\n\n## RB-2: Purge\n\n```sql\nDELETE FROM sessions WHERE expires_at < now();\nUPDATE jobs SET state = 1;\n```\n\n```bash\npsql -c "DROP TABLE tmp"\n```\n';

/** Reads `files` one after the other in a new process through reader.ts; says after each whether libpg-query was loaded. */
function readInFreshProcess(files: string[]): { loaded: boolean[]; runbooks: unknown[] } {
  const script = `
    import { createRequire } from 'node:module';
    const { readRunbook } = await import(${JSON.stringify(path.join(here, 'reader.ts'))});
    const require = createRequire(import.meta.url);
    const loaded = [], runbooks = [];
    for (const f of ${JSON.stringify(files)}) {
      runbooks.push(await readRunbook(f, { file: f.split('/').pop() }));
      loaded.push(Object.keys(require.cache).some((k) => k.includes('libpg-query')));
    }
    process.stdout.write(JSON.stringify({ loaded, runbooks }));
  `;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: path.resolve(here, '../..'), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: scaled(120_000) });
  return JSON.parse(out) as { loaded: boolean[]; runbooks: unknown[] };
}

describe('readRunbook without the SQL parser loaded', () => {
  it('loads it only for SQL the plain reader does not read, and reads the seeds as parseRunbook does', () => {
    fs.writeFileSync(path.join(dir, 'plain.md'), PLAIN);
    fs.writeFileSync(path.join(dir, 'parsed.md'), PARSED);
    const files = [path.join(dir, 'plain.md'), path.join(dir, 'parsed.md'), ...seeds.map((s) => path.join(seedDir, s))];
    const read = readInFreshProcess(files);
    expect(read.loaded.slice(0, 2)).toEqual([false, true]);
    const expected = files.map((f) => JSON.parse(JSON.stringify(parseRunbook(fs.readFileSync(f, 'utf8'), { file: path.basename(f) }))) as unknown);
    expect(read.runbooks).toEqual(expected);
    // The second file's statements were classified by the parser, not left unknown.
    expect(JSON.stringify(read.runbooks[1])).toContain('UPDATE without WHERE changes every row');
  }, scaled(180_000));
});
