import type { CheckKindSchema } from '../../types.js';
import { HTTP_PLACEHOLDERS, httpOptions, type HttpOptions } from '../shared/http-options.js';

/** What validating a http check reads: its options, placeholders and default conditions (its probe is index.ts). */
export const httpSchema: CheckKindSchema<HttpOptions> = {
  kind: 'http',
  options: httpOptions,
  placeholders: HTTP_PLACEHOLDERS,
  defaultConditions: () => ['[STATUS] < 400'],
};
