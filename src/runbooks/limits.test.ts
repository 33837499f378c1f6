/**
 * Runbooks as hostile input: a file over the size limit is refused before it is read, with a
 * located error; a 100k-deep markdown under the limit is read without a stack overflow and with
 * bounded memory.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_RUNBOOK_BYTES, readRunbook } from './index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'opsbook-runbook-limits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('runbook limits', () => {
  it('refuses a 5 MB runbook before reading it, naming the file', async () => {
    const file = path.join(dir, 'big.md');
    writeFileSync(file, `# Big\n\n${'Some prose about the system. '.repeat(Math.ceil((5 * 2 ** 20) / 29))}\n`);
    const before = process.memoryUsage().rss;
    await expect(readRunbook(file, { file: 'big.md' })).rejects.toMatchObject({ code: 'OPSBOOK_E_RUNBOOK_TOO_LARGE', location: { file: 'big.md' } });
    console.log(`5 MB runbook refused; rss grew ${Math.round((process.memoryUsage().rss - before) / 2 ** 20)} MB`);
    expect(MAX_RUNBOOK_BYTES).toBeLessThan(5 * 2 ** 20);
  });

  for (const [name, text] of [
    ['blockquotes', `# Deep\n\n${'>'.repeat(100_000)} bottom\n`],
    ['lists', `# Deep\n\n${Array.from({ length: 1000 }, (_, i) => `${'  '.repeat(i)}- item ${i}`).join('\n')}\n`],
    ['brackets', `# Deep\n\n${'['.repeat(100_000)}x${']'.repeat(100_000)}\n`],
    ['emphasis', `# Deep\n\n${'*'.repeat(100_000)}x\n`],
  ] as const) {
    it(`reads a 100k-deep markdown (${name}) within bounded memory`, async () => {
      const file = path.join(dir, `deep-${name}.md`);
      writeFileSync(file, text);
      const before = process.memoryUsage().rss;
      const runbook = await readRunbook(file, { file: `deep-${name}.md` });
      expect(runbook.title).toBe('Deep');
      const grew = process.memoryUsage().rss - before;
      console.log(`100k-deep ${name}: rss grew ${Math.round(grew / 2 ** 20)} MB`);
      expect(grew).toBeLessThan(300 * 2 ** 20);
    });
  }
});
