import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { globBase, globTooWide, globTooWideSync } from './glob-walk.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A temp folder with `n` folders under runbooks/ (10 per level-1 folder), each holding one .md file. */
function tree(n: number): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-glob-walk-'));
  dirs.push(root);
  for (let i = 0; i < n; i++) {
    const d = path.join(root, 'runbooks', `team-${Math.floor(i / 10)}`, `svc-${i}`);
    fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(d, 'rb.md'), '# rb\n');
  }
  return root;
}

describe('a ** in a config glob walks a bounded number of folders', () => {
  it('refuses a ** that walks more folders than the bound, naming the pattern and where it walks from', async () => {
    const root = tree(40); // 40 + 4 team folders + runbooks/
    const why = 'runbooks/**/*.md walks more than 20 directories under ' + path.join(root, 'runbooks');
    expect(globTooWideSync('runbooks/**/*.md', root, 20)).toContain(why);
    expect(await globTooWide('runbooks/**/*.md', root, 20)).toContain(why);
    expect(await globTooWide('**/*.md', path.join(root, 'runbooks'), 20)).toContain('**/*.md walks more than 20 directories');
  });

  it('lets a ** within the bound through, counting no dot folder the match leaves out', async () => {
    const root = tree(15);
    for (let i = 0; i < 30; i++) fs.mkdirSync(path.join(root, 'runbooks', '.git', `objects-${i}`), { recursive: true });
    expect(globTooWideSync('runbooks/**/*.md', root, 25)).toBeUndefined();
    expect(await globTooWide('runbooks/**/*.md', root, 25)).toBeUndefined();
    // A pattern that names a dot folder walks it, and counts it.
    expect(await globTooWide('runbooks/.git/**', root, 25)).toContain('walks more than 25 directories');
  });

  it('ends on a symbolic link that loops back to a folder above it', async () => {
    const root = tree(5);
    fs.symlinkSync(path.join(root, 'runbooks'), path.join(root, 'runbooks', 'team-0', 'loop'));
    expect(await globTooWide('runbooks/**/*.md', root, 1000)).toBeUndefined();
    expect(globTooWideSync('runbooks/**/*.md', root, 1000)).toBeUndefined();
  });

  it('walks nothing for a pattern without **, and starts a ** at its folder before the first wildcard', async () => {
    const root = tree(40);
    expect(await globTooWide('runbooks/*/*/*.md', root, 1)).toBeUndefined();
    expect(globBase('runbooks/team-*/**/*.md', root)).toBe(path.join(root, 'runbooks'));
    expect(globBase('/srv/ops/**/*.md', root)).toBe('/srv/ops');
    expect(globBase('**/*.md', root)).toBe(root);
    expect(await globTooWide('runbooks/team-1/**/*.md', root, 20)).toBeUndefined();
  });
});
