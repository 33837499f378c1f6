/**
 * `npm run docs`: regenerates the README regions built from code (config reference, error codes,
 * the command-effects table).
 * Run it after adding a config key or an error code; test/docs-sync.test.ts checks it was run.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { renderReadme, replaceRegion } from '../src/config/readme-regions.js';
import { commandEffectsRegion } from './command-effects-region.js';

const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));
const before = await readFile(readmePath, 'utf8');
const after = replaceRegion(renderReadme(before), 'command-effects', commandEffectsRegion());
if (after === before) {
  console.log('README.md is up to date');
} else {
  await writeFile(readmePath, after);
  console.log('README.md regenerated: config-reference, error-codes, command-effects');
}
