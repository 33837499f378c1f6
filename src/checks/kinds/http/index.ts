import type { CheckKind } from '../../types.js';
import type { HttpOptions } from '../shared/http-options.js';
import { observeHttp, prepareHttp } from '../shared/observe-http.js';
import { httpSchema } from './schema.js';

export const httpKind: CheckKind<HttpOptions> = {
  ...httpSchema,
  run: observeHttp,
  prepare: prepareHttp,
};
