import type { CheckConfig } from '../config/schema/checks.js';
import { configSecrets } from '../lib/secrets.js';
import { OpsbookError } from '../lib/errors/index.js';
import { parseCheckConditions, SHARED_MAX, type ListName } from './check-conditions.js';
import type { ParsedCondition } from './conditions/index.js';
import type { CheckConditions } from './evaluate-check.js';
import { checkKind } from './kinds/index.js';
import type { CheckKind } from './types.js';

/** A configured check ready to run: its kind, parsed conditions and schedule in ms. */
export interface CompiledCheck extends CheckConditions {
  config: CheckConfig;
  impl: CheckKind<Record<string, unknown>>;
  intervalMs: number;
  timeoutMs: number;
  initialDelayMs: number;
  failureThreshold: number;
  successThreshold: number;
  /** True when `conditions:` was not written and the kind's defaults apply. */
  defaultConditions: boolean;
  /** Placeholders the check's conditions (all three lists) read. */
  reads: ReadonlySet<string>;
}

/**
 * The `reads` set of each distinct set of placeholders, shared by every check with the same one as
 * parsed conditions are (check-conditions.ts), and bounded the same way.
 */
const readsByNames = new Map<string, ReadonlySet<string>>();

function readsOf(lists: Record<ListName, ParsedCondition[]>): ReadonlySet<string> {
  const names = [...new Set([...lists.conditions, ...lists.warning, ...lists.critical].flatMap((c) => c.placeholders))].sort();
  const key = names.join(',');
  let reads = readsByNames.get(key);
  if (!reads) {
    reads = new Set(names);
    if (readsByNames.size >= SHARED_MAX) readsByNames.clear();
    readsByNames.set(key, reads);
  }
  return reads;
}

/** Compiles one validated check; throws the first condition problem as an OpsbookError. */
export function compileCheck(config: CheckConfig, path = `checks.${config.id}`): CompiledCheck {
  const { lists, issues, usedDefaults } = parseCheckConditions(config, path);
  const first = issues[0];
  if (first) throw new OpsbookError(first.code, first.message, { location: { path: first.path } });
  return {
    id: config.id,
    kind: config.kind,
    config,
    impl: checkKind(config.kind)!,
    ...lists,
    intervalMs: config.interval,
    timeoutMs: config.timeout,
    initialDelayMs: config.initial_delay,
    failureThreshold: config.failure_threshold,
    successThreshold: config.success_threshold,
    defaultConditions: usedDefaults,
    reads: readsOf(lists),
    // Its headers' credentials, its URL's password and credential query values, `${VAR}` secrets it
    // holds: found at its first result and kept (configSecrets caches by config object), so tens of
    // thousands of checks do not pay for it at start.
    get secrets() {
      return configSecrets(config);
    },
  };
}
