import { describe, expect, it } from 'vitest';
import { configLoader } from '../../../test/support/config.js';

const loadFile = configLoader('opsbook-files-sections');
const load = (text: string) => loadFile('ops.yaml', text);

describe('runbooks: and rule_files: — a list of files or a mapping', () => {
  it('refuses anything else saying both forms, at the key', async () => {
    for (const [section, value, keys] of [
      ['runbooks', '5', 'files, phases, url_prefixes'],
      ['runbooks', '"runbooks/app.md"', 'files, phases, url_prefixes'],
      ['rule_files', 'true', 'files, evaluation_interval, alerts'],
    ] as const) {
      const r = await load(`${section}: ${value}\n`);
      if (r.ok) throw new Error(`${section}: ${value} was accepted`);
      expect(r.issues.map((i) => [i.path, i.line, i.message])).toEqual([[section, 1, `${section} must be a list of files or a mapping of ${keys} (got ${value})`]]);
    }
  });

  it('still reads both forms', async () => {
    const short = await load('rule_files: []\nrunbooks: []\n');
    if (!short.ok) throw new Error(JSON.stringify(short.issues));
    expect(short.config.runbooks.files).toEqual([]);
    const long = await load('runbooks:\n  files: []\n  url_prefixes: ["https://runbooks.example.org/"]\n');
    if (!long.ok) throw new Error(JSON.stringify(long.issues));
    expect(long.config.runbooks.url_prefixes).toEqual(['https://runbooks.example.org/']);
  });
});
