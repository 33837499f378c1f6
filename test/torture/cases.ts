import type { TortureCase } from './case.js';
import { deliveriesCase } from './deliveries.js';
import { escalationsCase } from './escalations.js';
import { heavyWritesCase } from './heavy-writes.js';
import { injectionCase } from './injection.js';
import { bodiesCase, configCase, regexCase, runbooksCase } from './inputs.js';

/** Every case of `npm run torture`, in the order they run; `missing` names the ones not written yet. */
export function tortureCases(): { cases: TortureCase[]; missing: string[] } {
  const cases = [
    deliveriesCase('sqlite'),
    deliveriesCase('postgres'),
    heavyWritesCase('sqlite'),
    heavyWritesCase('postgres'),
    escalationsCase,
    bodiesCase,
    configCase,
    runbooksCase,
    regexCase,
    injectionCase,
  ];
  const missing: string[] = [];
  return { cases, missing };
}
