import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE } from '../src/lib/errors/index.js';
import { configReference } from '../src/config/reference.js';
import { GENERATED_REGIONS, readRegion } from '../src/config/readme-regions.js';

const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
const FIX = 'run `npm run docs` to regenerate the README';

describe('README stays in sync with the code', () => {
  for (const [name, render] of Object.entries(GENERATED_REGIONS)) {
    it(`region ${name} matches what the code generates (${FIX})`, () => {
      const current = readRegion(readme, name);
      expect(current, `README is missing <!-- ${name}:start/end --> markers`).toBeDefined();
      expect(current, FIX).toBe(render().trim());
    });
  }

  it('lists every config key path of the schema in the config reference', () => {
    const region = readRegion(readme, 'config-reference') ?? '';
    const documented = new Set([...region.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]));
    const missing = configReference().map((r) => r.key).filter((k) => !documented.has(k));
    expect(missing, FIX).toEqual([]);
    expect(documented.size, 'the table has rows for keys the schema no longer has').toBe(configReference().length);
  });

  it('documents every error code of the catalogue', () => {
    const region = readRegion(readme, 'error-codes') ?? '';
    const documented = [...region.matchAll(/^\| `(OPSBOOK_E_[A-Z0-9_]+)` \|/gm)].map((m) => m[1]);
    expect(documented, FIX).toEqual(Object.keys(ERROR_CATALOGUE));
  });
});
