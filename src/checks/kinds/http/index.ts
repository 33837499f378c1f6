import type { CheckKind } from '../../types.js';
import { HTTP_PLACEHOLDERS, httpOptions, type HttpOptions } from '../shared/http-options.js';
import { observeHttp, prepareHttp } from '../shared/observe-http.js';

export const httpKind: CheckKind<HttpOptions> = {
  kind: 'http',
  options: httpOptions,
  placeholders: HTTP_PLACEHOLDERS,
  defaultConditions: () => ['[STATUS] < 400'],
  run: observeHttp,
  prepare: prepareHttp,
};
