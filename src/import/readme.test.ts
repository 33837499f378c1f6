import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importReadmeRegion } from './readme-region.js';

const root = path.resolve(import.meta.dirname, '../..');

describe('README import section', () => {
  it('lists exactly what import finds in the seeds, each with its line', async () => {
    const readme = await readFile(path.join(root, 'README.md'), 'utf8');
    const m = /<!-- import:start -->\n([\s\S]*?)\n<!-- import:end -->/.exec(readme);
    expect(m, 'README has an import region').not.toBeNull();
    expect(m![1]).toBe(await importReadmeRegion(path.join(root, 'test/fixtures/runbooks/seeds')));
  });
});
