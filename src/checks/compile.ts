import type { CheckConfig } from '../config/schema/checks.js';
import { configSecrets } from '../lib/secrets.js';
import type { SemanticIssue } from '../config/semantics.js';
import { OpsbookError, isOpsbookError } from '../lib/errors/index.js';
import { checkOrders, parseCondition, type ParsedCondition } from './conditions/index.js';
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

type ListName = 'conditions' | 'warning' | 'critical';

/**
 * Parsed conditions by text, shared by every check that writes the same one: tens of thousands of
 * checks usually repeat a handful of conditions, and each parse is a tree of objects the heap keeps
 * (and the collector walks) for as long as the check lives. Parsed conditions are never changed
 * after parsing. Bounded: a long-lived process reloading changed configs does not grow it forever.
 */
const parsedByText = new Map<string, ParsedCondition>();
/** The `reads` set of each distinct set of placeholders, shared the same way. */
const readsByNames = new Map<string, ReadonlySet<string>>();
const SHARED_MAX = 4096;

function parseShared(text: string): ParsedCondition {
  let parsed = parsedByText.get(text);
  if (!parsed) {
    parsed = parseCondition(text);
    checkOrders(parsed);
    if (parsedByText.size >= SHARED_MAX) parsedByText.clear();
    parsedByText.set(text, parsed);
  }
  return parsed;
}

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

/** Parses every condition of one check; problems carry paths like `checks[2].warning[0]`. */
function parseLists(config: CheckConfig, path: string): { lists: Record<ListName, ParsedCondition[]>; issues: SemanticIssue[]; usedDefaults: boolean } {
  const impl = checkKind(config.kind);
  const issues: SemanticIssue[] = [];
  const lists: Record<ListName, ParsedCondition[]> = { conditions: [], warning: [], critical: [] };
  if (!impl) {
    issues.push({ code: 'OPSBOOK_E_CONFIG_INVALID', message: `unknown check kind "${config.kind}"`, path: `${path}.kind` });
    return { lists, issues, usedDefaults: false };
  }
  const usedDefaults = config.conditions === undefined;
  const texts: Record<ListName, string[]> = {
    conditions: config.conditions ?? impl.defaultConditions(config),
    warning: config.warning,
    critical: config.critical,
  };
  const known = new Set(impl.placeholders);
  for (const list of ['conditions', 'warning', 'critical'] as const) {
    texts[list].forEach((text, i) => {
      const at = `${path}.${list}[${i}]`;
      try {
        const parsed = parseShared(text);
        const unknown = parsed.placeholders.filter((p) => !known.has(p));
        if (unknown.length > 0) {
          issues.push({
            code: 'OPSBOOK_E_CHECK_PLACEHOLDER',
            message: `[${unknown[0]}] is not filled by ${config.kind} checks; they fill ${[...known].map((p) => `[${p}]`).join(' ')}`,
            path: at,
          });
        } else lists[list].push(parsed);
      } catch (e) {
        if (!isOpsbookError(e)) throw e;
        issues.push({ code: e.code, message: e.message, path: at });
      }
    });
  }
  return { lists, issues, usedDefaults };
}

/**
 * Semantic validator for config loading: every condition parses and names only placeholders its
 * kind fills. Shaped as the config loader's ConfigValidator.
 */
export function validateCheckConditions(config: { checks: readonly CheckConfig[] }): SemanticIssue[] {
  return config.checks.flatMap((check, i) => parseLists(check, `checks[${i}]`).issues);
}

/** Compiles one validated check; throws the first condition problem as an OpsbookError. */
export function compileCheck(config: CheckConfig, path = `checks.${config.id}`): CompiledCheck {
  const { lists, issues, usedDefaults } = parseLists(config, path);
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
