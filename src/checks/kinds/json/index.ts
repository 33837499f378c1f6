import { z } from 'zod';
import type { CheckKind, Observation } from '../../types.js';
import { readPath, type PathSegment } from '../../conditions/index.js';
import { HTTP_PLACEHOLDERS, httpRequestOptions } from '../shared/http-options.js';
import { observeHttp, prepareHttp } from '../shared/observe-http.js';

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

/**
 * GETs a JSON document (a stats or health endpoint) and reads values from it: `[VALUE]` from
 * `path`, and any other through `[BODY].a.b` in conditions.
 */
export const jsonKind: CheckKind<JsonOptions> = {
  kind: 'json',
  options: jsonOptions,
  placeholders: [...HTTP_PLACEHOLDERS, 'VALUE'],
  defaultConditions: () => ['[STATUS] < 400'],
  prepare: prepareHttp,
  run: async (config, ctx): Promise<Observation> => {
    const obs = await observeHttp(config, ctx, true);
    if (obs.error || typeof obs.values.BODY !== 'string') return obs;
    let doc: unknown;
    try {
      doc = JSON.parse(obs.values.BODY);
    } catch (e) {
      return { ...obs, error: `body is not JSON: ${(e as Error).message}` };
    }
    if (config.path) {
      const v = readPath(doc, parseJsonPath(config.path)!);
      if (typeof v !== 'symbol') {
        obs.values.VALUE = v;
        if (typeof v === 'number') obs.value = v;
      }
    }
    return obs;
  },
};
