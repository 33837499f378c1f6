/**
 * Label matchers as Prometheus and Alertmanager write them (`status=~"5.."`, `env!="dev"`), used by
 * metric selectors, maintenance windows and silences alike. A missing label reads as the empty
 * string; regexes are anchored at both ends.
 */
export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  label: string;
  op: MatchOp;
  value: string;
}

const regexCache = new Map<string, RegExp>();

/** The pattern as a fully anchored RegExp (`db-.*` must match the whole value); throws when invalid. */
export function anchoredRegex(pattern: string): RegExp {
  let re = regexCache.get(pattern);
  if (!re) {
    re = new RegExp(`^(?:${pattern})$`);
    // Bounded: patterns come from config and API bodies, not from every sample.
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(pattern, re);
  }
  return re;
}

export function labelMatches(m: LabelMatcher, labels: Readonly<Record<string, string | undefined>>): boolean {
  const v = labels[m.label] ?? '';
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
