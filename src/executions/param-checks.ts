import { MASK, paramKey, type BoundValue, type ParamValues, type ProcedureSettings } from './params.js';

/**
 * What a runbook's `procedures[…].params` declare a value must look like, checked before a step
 * runs: a declared type or pattern, no NUL byte (it cannot travel in an argument or the
 * environment), and — where a value stands as an argument — no leading `-` unless the parameter is
 * declared an option.
 */

export type ParamType = 'string' | 'integer' | 'number' | 'name';

interface Rule {
  type?: ParamType;
  pattern?: { text: string; re: RegExp };
  option: boolean;
}

export type ParamRules = ReadonlyMap<string, Rule>;

const TYPES: Record<ParamType, { re: RegExp; what: string }> = {
  string: { re: /^[^]*$/, what: 'a string' },
  integer: { re: /^-?\d+$/, what: 'an integer' },
  number: { re: /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/, what: 'a number' },
  name: { re: /^[A-Za-z0-9_][A-Za-z0-9_.:@-]*$/, what: 'a name (letters, digits and ._:@-)' },
};

/** The declared rules by normalised parameter name. */
export function paramRules(settings: ProcedureSettings | undefined): ParamRules {
  const rules = new Map<string, Rule>();
  for (const [name, p] of Object.entries(settings?.params ?? {})) {
    rules.set(paramKey(name), {
      ...(p.type ? { type: p.type } : {}),
      ...(p.pattern ? { pattern: { text: p.pattern, re: new RegExp(`^(?:${p.pattern})$`, 'u') } } : {}),
      option: p.option,
    });
  }
  return rules;
}

/** A value as it may appear in a reason: masked when secret, quoted, shortened. */
export function shownValue(v: BoundValue): string {
  if (v.secret) return MASK;
  const s = JSON.stringify(v.value);
  return s.length > 60 ? `${s.slice(0, 57)}…"` : s;
}

/** Why a placeholder's bound value may not be used, or undefined when it may. */
export function valueProblem(placeholder: string, v: BoundValue, rules: ParamRules): string | undefined {
  if (v.value.includes('\0')) return `parameter ${placeholder} contains a NUL byte`;
  const rule = rules.get(paramKey(placeholder));
  if (rule?.type && !TYPES[rule.type].re.test(v.value)) return `parameter ${placeholder} ${shownValue(v)} is not ${TYPES[rule.type].what}`;
  if (rule?.pattern && !rule.pattern.re.test(v.value)) return `parameter ${placeholder} ${shownValue(v)} does not match ${rule.pattern.text}`;
  return undefined;
}

/** The first problem of any placeholder the command uses. */
export function commandValueProblem(placeholders: readonly string[], values: ParamValues, rules: ParamRules): string | undefined {
  for (const p of placeholders) {
    const v = values.get(paramKey(p));
    const problem = v && valueProblem(p, v, rules);
    if (problem) return problem;
  }
  return undefined;
}

/** Declared options: parameters whose value may begin with `-` where it stands as an argument. */
export function optionParams(rules: ParamRules): ReadonlySet<string> {
  return new Set([...rules].filter(([, r]) => r.option).map(([k]) => k));
}
