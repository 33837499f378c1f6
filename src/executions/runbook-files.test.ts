import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { glob } from 'tinyglobby';
import { afterAll, describe, expect, it } from 'vitest';
import { runbookFiles } from './runbook-files.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-runbook-files-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
for (const file of ['top.md', 'runbooks/a.md', 'runbooks/b.md', 'runbooks/.hidden.md', 'runbooks/c.MD', 'runbooks/notes.txt', 'runbooks/x y.md', 'runbooks/$x.md', 'runbooks/a.b.md', 'runbooks/sub/d.md']) {
  fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  fs.writeFileSync(path.join(dir, file), '# t\n');
}
fs.mkdirSync(path.join(dir, 'runbooks/dir.md'));
fs.symlinkSync('a.md', path.join(dir, 'runbooks/link.md'));
fs.symlinkSync('missing.md', path.join(dir, 'runbooks/broken.md'));

describe('the files a runbooks: entry names', () => {
  it.each([
    'runbooks/*.md', 'runbooks/?.md', 'runbooks/*', '*.md', '*', 'top.md', 'runbooks/a.md', 'runbooks/missing.md', 'runbooks', 'runbooks/dir.md',
    'runbooks/.*.md', 'runbooks/*.MD', 'runbooks/a*', 'runbooks/*.*.md', 'runbooks/x y.md', 'runbooks/$x.md', 'runbooks/x*.md', 'runbooks/link.md',
    'runbooks/broken.md', 'runbooks/sub/*.md', 'missing/*.md', './runbooks/*.md', 'runbooks/**/*.md', 'runbooks/**', 'runbooks/*/d.md',
    'runbooks/{a,b}.md', 'runbooks/[ab].md', 'runbooks/../top.md', 'runbooks/',
  ])('%s: the same files as tinyglobby', async (pattern) => {
    const expected = await glob(pattern, { cwd: dir, absolute: true, onlyFiles: true, expandDirectories: false });
    expect((await runbookFiles(pattern, dir)).sort()).toEqual(expected.sort());
  });

  it('an absolute pattern: the same files as tinyglobby', async () => {
    const pattern = `${dir}/runbooks/*.md`;
    const expected = await glob(pattern, { cwd: os.tmpdir(), absolute: true, onlyFiles: true, expandDirectories: false });
    expect(expected.length).toBeGreaterThan(3);
    expect((await runbookFiles(pattern, os.tmpdir())).sort()).toEqual(expected.sort());
  });
});
