import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE } from '../src/lib/errors/index.js';
import { configReference } from '../src/config/reference.js';
import { GENERATED_REGIONS, readRegion } from '../src/config/doc-regions.js';

const read = (file: string) => readFileSync(fileURLToPath(new URL(`../${file}`, import.meta.url)), 'utf8');
const FIX = 'run `npm run docs` to regenerate the docs';

describe('the docs stay in sync with the code', () => {
  for (const [name, region] of Object.entries(GENERATED_REGIONS)) {
    it(`region ${name} in ${region.file} matches what the code generates (${FIX})`, () => {
      const current = readRegion(read(region.file), name);
      expect(current, `${region.file} is missing <!-- ${name}:start/end --> markers`).toBeDefined();
      expect(current, FIX).toBe(region.render().trim());
    });
  }

  it('lists every config key path of the schema in the config reference', () => {
    const region = readRegion(read('docs/configuration.md'), 'config-reference') ?? '';
    const documented = new Set([...region.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]));
    const missing = configReference().map((r) => r.key).filter((k) => !documented.has(k));
    expect(missing, FIX).toEqual([]);
    expect(documented.size, 'the table has rows for keys the schema no longer has').toBe(configReference().length);
  });

  it('documents every error code of the catalogue', () => {
    const region = readRegion(read('docs/errors.md'), 'error-codes') ?? '';
    const documented = [...region.matchAll(/^\| `(OPSBOOK_E_[A-Z0-9_]+)` \|/gm)].map((m) => m[1]);
    expect(documented, FIX).toEqual(Object.keys(ERROR_CATALOGUE));
  });

  it('the README links only to docs that exist, and the docs link only to files that exist', () => {
    const files = ['README.md', ...readdirDocs()];
    const broken: string[] = [];
    for (const file of files) {
      const base = new URL(`../${file}`, import.meta.url);
      for (const m of read(file).matchAll(/\]\(((?!https?:|#|mailto:)[^)#\s]+)(#[^)]*)?\)/g)) {
        try {
          readFileSync(new URL(m[1]!, base));
        } catch {
          broken.push(`${file} → ${m[1]}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});

function readdirDocs(): string[] {
  return readdirSync(fileURLToPath(new URL('../docs', import.meta.url)), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`);
}
