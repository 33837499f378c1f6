import type { CheckConfig } from '../config/schema/checks.js';
import type { SemanticIssue } from '../config/semantics.js';
import { isOpsbookError } from '../lib/errors/index.js';
import { checkOrders, parseCondition, type ParsedCondition } from './conditions/index.js';
import { checkKindSchema } from './kinds/schemas.js';

// What config validation checks of a check's conditions, with the kinds' schemas only (no probe
// code): compile.ts builds a runnable check on the same parse.

export type ListName = 'conditions' | 'warning' | 'critical';

/**
 * Parsed conditions by text, shared by every check that writes the same one: tens of thousands of
 * checks usually repeat a handful of conditions, and each parse is a tree of objects the heap keeps
 * (and the collector walks) for as long as the check lives. Parsed conditions are never changed
 * after parsing. Bounded: a long-lived process reloading changed configs does not grow it forever.
 */
const parsedByText = new Map<string, ParsedCondition>();
/** How many entries a shared table keeps before it starts again. */
export const SHARED_MAX = 4096;

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

/** Parses every condition of one check; problems carry paths like `checks[2].warning[0]`. */
export function parseCheckConditions(config: CheckConfig, path: string): { lists: Record<ListName, ParsedCondition[]>; issues: SemanticIssue[]; usedDefaults: boolean } {
  const impl = checkKindSchema(config.kind);
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
  return config.checks.flatMap((check, i) => parseCheckConditions(check, `checks[${i}]`).issues);
}

