import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const here = import.meta.dirname;
const seedsDir = path.resolve(here, '../../test/fixtures/runbooks/seeds');

/**
 * Names only the seed runbooks use: their systems, hosts, metric names, queue keys, database names,
 * and the words their tables put where a person belongs. Import reads runbooks of any shape, so none
 * of them may appear in its code (comments included): a rule written for one seed is not a rule.
 */
const SEED_STRINGS = [
  'nxentra', 'novapulse', 'nova:', 'django', 'finance', 'muejam', 'apex', 'sign x', 'sign-x', 'signx',
  'api.novapulse.com', 'staging.example', 'http://green', 'http://app/', 'eng-leads',
  'projection_lag', 'request_duration_seconds', 'active_requests', 'avg_latency_ms', 'pg_pool_used',
  'email:waiting', 'webhook:waiting', 'http_requests_total',
  // The seeds' queue key (Celery the tool is not theirs: import reads its commands in any runbook).
  'llen celery', 'listname: celery',
  'highquerylatency', 'apex_full',
];

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sourceFiles(full)));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && entry.name !== 'test-support.ts') out.push(full);
  }
  return out;
}

describe('src/import holds no seed-specific strings', () => {
  it('every listed string is one the seeds really use', async () => {
    const seeds = (await Promise.all((await readdir(seedsDir)).map((n) => readFile(path.join(seedsDir, n), 'utf8')))).join('\n').toLowerCase();
    for (const s of SEED_STRINGS) expect(seeds.includes(s) || seeds.replace(/[\s_-]+/g, '').includes(s.replace(/[\s_-]+/g, '')), s).toBe(true);
  });

  it('no import source file (code or comment) names one', async () => {
    const hits: string[] = [];
    for (const file of await sourceFiles(here)) {
      const lines = (await readFile(file, 'utf8')).toLowerCase().split('\n');
      lines.forEach((line, i) => {
        for (const s of SEED_STRINGS) if (line.includes(s)) hits.push(`${path.relative(here, file)}:${i + 1}: ${s}`);
      });
    }
    expect(hits).toEqual([]);
  });
});
