import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importReadmeRegion } from './readme-region.js';

const root = path.resolve(import.meta.dirname, '../..');

describe('docs/import.md import section', () => {
  it('lists exactly what import finds in the seeds, each with its line', async () => {
    const readme = await readFile(path.join(root, 'docs/import.md'), 'utf8');
    const m = /<!-- import:start -->\n([\s\S]*?)\n<!-- import:end -->/.exec(readme);
    expect(m, 'docs/import.md has an import region').not.toBeNull();
    expect(m![1]).toBe(await importReadmeRegion(path.join(root, 'test/fixtures/runbooks/seeds')));
  });
});
