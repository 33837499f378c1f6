import { checkOrders, ConditionScope, evaluateCondition, parseCondition, type ConditionNode, type ParsedCondition } from '../checks/conditions/index.js';
import { own } from '../lib/own.js';

/**
 * A rule condition in the checks' condition language, read against one check result: `[VALUE]` is
 * the check's value, `[LATENCY]` its latency in ms, `[LEVEL]` and `[STATUS]` its verdict. As a
 * shorthand the bare words `value` and `latency` stand for `[VALUE]` and `[LATENCY]`, so
 * `value > 1000` reads as it is written.
 */
export interface RuleCondition {
  text: string;
  parsed: ParsedCondition;
}

const BARE_NAMES: Record<string, string> = { value: 'VALUE', latency: 'LATENCY' };

/** Parses a rule condition; throws OPSBOOK_E_CHECK_CONDITION naming the column. */
export function parseRuleCondition(text: string): RuleCondition {
  const parsed = parseCondition(text);
  const ast = rewrite(parsed.ast);
  const rule = { ...parsed, ast, placeholders: [...new Set([...parsed.placeholders, ...bareNames(parsed.ast)])] };
  checkOrders(rule, ' (a rule condition reads value, latency, [VALUE], [LATENCY], [LEVEL] and [STATUS])');
  return { text, parsed: rule };
}

export interface ConditionInput {
  value?: number;
  latencyMs?: number;
  level?: string;
  status?: string;
}

/**
 * True when the condition holds; undefined when it reads a value the result does not have (a check
 * run that reported no value gives no verdict, so it neither starts nor ends an alert).
 */
export function ruleConditionHolds(cond: RuleCondition, input: ConditionInput): boolean | undefined {
  const values: Record<string, unknown> = {};
  if (input.value !== undefined) values.VALUE = input.value;
  if (input.latencyMs !== undefined) values.LATENCY = input.latencyMs;
  if (input.level !== undefined) values.LEVEL = input.level;
  if (input.status !== undefined) values.STATUS = input.status;
  if (cond.parsed.placeholders.some((p) => !(p in values))) return undefined;
  return evaluateCondition(cond.parsed, new ConditionScope(values)).ok;
}

function bareName(node: ConditionNode): string | undefined {
  return node.type === 'literal' && node.literal.number === undefined ? own(BARE_NAMES, node.literal.text) : undefined;
}

function bareNames(node: ConditionNode): string[] {
  const own = bareName(node);
  if (own) return [own];
  switch (node.type) {
    case 'compare':
    case 'and':
    case 'or':
      return [...bareNames(node.left), ...bareNames(node.right)];
    case 'not':
      return bareNames(node.operand);
    case 'call':
      return node.args.flatMap(bareNames);
    default:
      return [];
  }
}

function rewrite(node: ConditionNode): ConditionNode {
  const name = bareName(node);
  if (name && node.type === 'literal') return { type: 'placeholder', name, path: [], text: `[${name}]`, pos: node.pos };
  switch (node.type) {
    case 'compare':
      return { ...node, left: rewrite(node.left), right: rewrite(node.right) };
    case 'and':
    case 'or':
      return { ...node, left: rewrite(node.left), right: rewrite(node.right) };
    case 'not':
      return { ...node, operand: rewrite(node.operand) };
    default:
      return node;
  }
}
