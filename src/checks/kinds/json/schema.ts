import { z } from 'zod';
import type { PathSegment } from '../../conditions/index.js';
import type { CheckKindSchema } from '../../types.js';
import { HTTP_PLACEHOLDERS, httpRequestOptions } from '../shared/http-options.js';

/** `.connection_pool.utilization`, `cache.hit_rate`, `.items[0].id` → path segments; undefined if malformed. */
export function parseJsonPath(path: string): PathSegment[] | undefined {
  const out: PathSegment[] = [];
  const re = /\.?([A-Za-z0-9_\-$@:]+)|\[(\d+)\]/y;
  let pos = 0;
  while (pos < path.length) {
    re.lastIndex = pos;
    const m = re.exec(path);
    if (!m) return undefined;
    out.push(m[2] !== undefined ? { index: Number(m[2]) } : { key: m[1]! });
    pos = re.lastIndex;
  }
  return out;
}

export const jsonOptions = z.object({
  ...httpRequestOptions,
  path: z
    .string()
    .refine((p) => parseJsonPath(p) !== undefined, { error: 'must be a path such as .connection_pool.utilization' })
    .optional()
    .describe('Path into the document whose value becomes [VALUE] (e.g. .cache.hit_rate).'),
});
export type JsonOptions = z.output<typeof jsonOptions>;

/** What validating a json check reads: its options, placeholders and default conditions (its probe is index.ts). */
export const jsonSchema: CheckKindSchema<JsonOptions> = {
  kind: 'json',
  options: jsonOptions,
  placeholders: [...HTTP_PLACEHOLDERS, 'VALUE'],
  defaultConditions: () => ['[STATUS] < 400'],
};
