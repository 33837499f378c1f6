import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { corpusFile } from '../../bench/support/runbook-corpus.js';
import { parseRunbook, type Runbook } from './index.js';
import { cacheStats, setSpeedups } from './speedups.js';

const seedDir = path.resolve(import.meta.dirname, '../../test/fixtures/runbooks/seeds');
const seeds = readdirSync(seedDir).sort().map((f) => readFileSync(path.join(seedDir, f), 'utf8'));
const layoutDir = path.resolve(import.meta.dirname, '../../test/fixtures/runbooks/layouts');
const layouts = readdirSync(layoutDir).sort().map((f) => readFileSync(path.join(layoutDir, f), 'utf8'));

/**
 * The seeds, then their sections shuffled into other files: the same blocks and commands at other
 * lines, as a team's runbooks repeat them, so cached results are reused with their lines shifted.
 */
function documents(): string[] {
  const sections = seeds.flatMap((s) => s.split(/\n(?=## )/).slice(1));
  const mixed = [0, 1, 2, 3].map((k) => ['# Mixed runbook', ...sections.filter((_, i) => i % 4 === k).reverse()].join('\n'));
  return [...seeds, ...mixed, ...seeds];
}

function parseAll(): Runbook[] {
  return documents().map((text, i) => parseRunbook(text, { file: `runbooks/${i}.md` }));
}

describe('speed-ups never change what the reader gives', () => {
  afterEach(() => setSpeedups({ caches: true, simpleShell: true, plainSql: true, prechecks: true, directVerdicts: true }));

  it('reads the seeds and their mixes the same with caches and the simple-shell reader as with mvdan-sh alone and no cache', () => {
    setSpeedups({ caches: false, simpleShell: false, plainSql: false, prechecks: false, directVerdicts: false });
    const plain = parseAll();
    setSpeedups({ caches: true, simpleShell: true, plainSql: true, prechecks: true, directVerdicts: true });
    const fast = parseAll();
    expect(cacheStats().hits).toBeGreaterThan(0);
    expect(fast).toEqual(plain);
  });

  it('reads the bench corpus and the layout fixtures the same with every shortcut as with none', () => {
    // The corpus is made of the seeds' sections; its first files hold every one of them.
    const texts = [...Array.from({ length: 120 }, (_, i) => corpusFile(i)), ...layouts];
    const read = (): Runbook[] => texts.map((text, i) => parseRunbook(text, { file: `runbooks/file-${i}.md` }));
    setSpeedups({ caches: false, simpleShell: false, plainSql: false, prechecks: false, directVerdicts: false });
    const plain = read();
    setSpeedups({ caches: false, simpleShell: true, plainSql: true, prechecks: true, directVerdicts: true });
    expect(read()).toEqual(plain);
    setSpeedups({ caches: true, simpleShell: true, plainSql: true, prechecks: true, directVerdicts: true });
    expect(read()).toEqual(plain);
  });

  it('gives each caller its own objects: changing one result does not change the next', () => {
    setSpeedups({ caches: true, simpleShell: true });
    const first = parseRunbook(seeds[0]!, { file: 'a.md' });
    const before = JSON.stringify(parseRunbook(seeds[0]!, { file: 'a.md' }));
    for (const b of first.blocks) {
      b.reasons.push('changed');
      b.placeholders.push('changed');
      for (const c of b.commands) c.reasons.push('changed');
    }
    expect(JSON.stringify(parseRunbook(seeds[0]!, { file: 'a.md' }))).toBe(before);
  });
});
