import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { duration } from './schema/common.js';
import { configReference, configReferenceMarkdown } from './reference.js';
import { opsConfigSchema } from './schema/index.js';

describe('configReference', () => {
  it('lists keys per kind for a discriminated union, with types and defaults', () => {
    const schema = z.strictObject({
      checks: z
        .array(
          z.discriminatedUnion('kind', [
            z.strictObject({ kind: z.literal('http'), url: z.url().describe('URL.'), interval: duration({ min: '1s' }).prefault('30s').describe('Every.') }),
            z.strictObject({ kind: z.literal('tcp'), port: z.int().min(1).max(65_535).describe('Port.') }),
          ]),
        )
        .default([])
        .describe('Checks.'),
    });
    expect(configReference(schema)).toEqual([
      { key: 'checks', type: 'list', default: '[]', description: 'Checks.' },
      { key: 'checks[].kind', type: 'one of: http, tcp', default: 'required', description: 'Which kind of entry; the keys below depend on it.' },
      { key: 'checks[kind=http].url', type: 'text (url)', default: 'required', description: 'URL.' },
      { key: 'checks[kind=http].interval', type: 'duration (≥ 1s)', default: '30s', description: 'Every.' },
      { key: 'checks[kind=tcp].port', type: 'integer 1–65535', default: 'required', description: 'Port.' },
    ]);
  });

  it('describes every key of the sections config owns', () => {
    const owned = /^(server|storage|users|services|runbooks|procedures)\b/;
    const undocumented = configReference(opsConfigSchema).filter((r) => owned.test(r.key) && r.description === '');
    expect(undocumented.map((r) => r.key)).toEqual([]);
  });

  it('renders one table row per key, escaping pipes', () => {
    const md = configReferenceMarkdown([{ key: 'a.b', type: 'text', default: 'x|y', description: 'one | two' }]);
    expect(md.split('\n')[2]).toBe('| `a.b` | text | `x\\|y` | one \\| two |');
  });
});
