import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { corpusFile } from '../../bench/support/runbook-corpus.js';
import { parseRunbook } from './index.js';
import { setSpeedups } from './speedups.js';

/**
 * What the reader gives for the bench corpus, the seeds and the layout fixtures, held to a digest
 * of each file's Runbook taken from the reader as it was before its speed work: a change meant
 * only to be faster must leave every field of every file as it was. After a change that is meant
 * to change results, `OPSBOOK_UPDATE_DIGESTS=1 npx vitest run src/runbooks/corpus-digest.test.ts`
 * writes the fixture again (and the diff shows how many files changed).
 */
const fixture = path.resolve(import.meta.dirname, '../../test/fixtures/runbooks/corpus-digest.json');
const fixtureDir = path.resolve(import.meta.dirname, '../../test/fixtures/runbooks');
const fromDir = (dir: string): string[] => readdirSync(path.join(fixtureDir, dir)).sort().map((f) => readFileSync(path.join(fixtureDir, dir, f), 'utf8'));
const texts = [...Array.from({ length: 400 }, (_, i) => corpusFile(i)), ...fromDir('seeds'), ...fromDir('layouts')];

/** JSON with every object's keys sorted: the digest holds values, not the order fields were set in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const o = v as Record<string, unknown>;
    return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
  });
}

function digests(): string[] {
  return texts.map((text, i) => createHash('sha256').update(canonical(parseRunbook(text, { file: `runbooks/file-${i}.md` }))).digest('hex').slice(0, 16));
}

describe('the reader gives the same Runbook for every file of the corpus as before', () => {
  afterEach(() => setSpeedups({ caches: true, simpleShell: true, plainSql: true, prechecks: true, directVerdicts: true }));

  it('with caches off (as bench:runbooks measures) and on', () => {
    setSpeedups({ caches: false });
    const off = digests();
    if (process.env.OPSBOOK_UPDATE_DIGESTS === '1') writeFileSync(fixture, `${JSON.stringify({ files: texts.length, digests: off }, null, 0)}\n`);
    const expected = JSON.parse(readFileSync(fixture, 'utf8')) as { files: number; digests: string[] };
    const changed = off.flatMap((d, i) => (d === expected.digests[i] ? [] : [i]));
    expect(changed, `files read differently (index into corpus, then seeds, then layouts)`).toEqual([]);
    setSpeedups({ caches: true });
    expect(digests()).toEqual(off);
  });
});
