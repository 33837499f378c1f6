import type { CheckKind, Observation } from '../../types.js';
import { readPath } from '../../conditions/index.js';
import { observeHttp, prepareHttp } from '../shared/observe-http.js';
import { jsonSchema, parseJsonPath, type JsonOptions } from './schema.js';

/**
 * GETs a JSON document (a stats or health endpoint) and reads values from it: `[VALUE]` from
 * `path`, and any other through `[BODY].a.b` in conditions.
 */
export const jsonKind: CheckKind<JsonOptions> = {
  ...jsonSchema,
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
