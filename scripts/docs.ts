/**
 * `npm run docs`: regenerates the documentation regions built from code (config reference in
 * docs/configuration.md, error codes in docs/errors.md, the command-effects table in docs/runbooks.md,
 * what import finds in the seeds in docs/import.md). Run it after adding a config key or an
 * error code; test/docs-sync.test.ts checks it was run.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { GENERATED_REGIONS, renderDoc, replaceRegion } from '../src/config/doc-regions.js';
import { commandEffectsRegion } from './command-effects-region.js';
import { importReadmeRegion } from '../src/import/readme-region.js';

const root = fileURLToPath(new URL('..', import.meta.url));
// The command-effects table and the import findings are built from test fixtures, so they are rendered here rather than in src/.
const importRegion = await importReadmeRegion(`${root}test/fixtures/runbooks/seeds`);
const extra: Record<string, (doc: string) => string> = {
  'docs/runbooks.md': (doc) => replaceRegion(doc, 'command-effects', commandEffectsRegion()),
  'docs/import.md': (doc) => replaceRegion(doc, 'import', importRegion),
};
const files = [...new Set([...Object.values(GENERATED_REGIONS).map((r) => r.file), ...Object.keys(extra)])];
for (const file of files) {
  const before = await readFile(`${root}${file}`, 'utf8');
  const after = (extra[file] ?? ((d: string) => d))(renderDoc(file, before));
  if (after === before) {
    console.log(`${file} is up to date`);
  } else {
    await writeFile(`${root}${file}`, after);
    console.log(`${file} regenerated`);
  }
}
