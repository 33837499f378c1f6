/**
 * Label matchers as Prometheus and Alertmanager write them (`status=~"5.."`, `env!="dev"`), used by
 * metric selectors, maintenance windows and silences alike. A missing label reads as the empty
 * string; regexes are anchored at both ends.
 */
import { compilePattern, type Pattern } from './pattern.js';
import { own } from './own.js';

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  label: string;
  op: MatchOp;
  value: string;
}

/**
 * The pattern fully anchored (`db-.*` must match the whole value), matched in linear time (RE2);
 * throws when invalid or when it needs backtracking (backreferences, lookaround).
 */
export function anchoredRegex(pattern: string): Pattern {
  return compilePattern(pattern, { anchored: true });
}

export function labelMatches(m: LabelMatcher, labels: Readonly<Record<string, string | undefined>>): boolean {
  const v = own(labels, m.label) ?? '';
  switch (m.op) {
    case '=':
      return v === m.value;
    case '!=':
      return v !== m.value;
    case '=~':
      return anchoredRegex(m.value).test(v);
    case '!~':
      return !anchoredRegex(m.value).test(v);
  }
}

export function labelsMatch(matchers: readonly LabelMatcher[], labels: Readonly<Record<string, string | undefined>>): boolean {
  return matchers.every((m) => labelMatches(m, labels));
}
