/**
 * `npm run docs`: regenerates the documentation regions built from code (config reference in
 * docs/configuration.md, error codes in docs/errors.md). Run it after adding a config key or an
 * error code; test/docs-sync.test.ts checks it was run.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { GENERATED_REGIONS, renderDoc } from '../src/config/doc-regions.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const files = [...new Set(Object.values(GENERATED_REGIONS).map((r) => r.file))];
for (const file of files) {
  const before = await readFile(`${root}${file}`, 'utf8');
  const after = renderDoc(file, before);
  if (after === before) {
    console.log(`${file} is up to date`);
  } else {
    await writeFile(`${root}${file}`, after);
    console.log(`${file} regenerated`);
  }
}
