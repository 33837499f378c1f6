import { toJsRegExp } from './regex.js';

/** Label matchers: `=`, `!=`, `=~`, `!~`; regexes are anchored at both ends, as Prometheus does. */
export interface Matcher {
  name: string;
  type: '=' | '!=' | '=~' | '!~';
  value: string;
}

export type CompiledMatcher = ((value: string) => boolean) & { label: string };

const cache = new Map<string, RegExp>();

export function anchoredRegex(source: string): RegExp {
  let re = cache.get(source);
  if (!re) {
    re = toJsRegExp(source);
    if (cache.size > 10_000) cache.clear();
    cache.set(source, re);
  }
  return re;
}

export function compileMatcher(m: Matcher): CompiledMatcher {
  let fn: (v: string) => boolean;
  switch (m.type) {
    case '=':
      fn = (v) => v === m.value;
      break;
    case '!=':
      fn = (v) => v !== m.value;
      break;
    case '=~': {
      const re = anchoredRegex(m.value);
      fn = (v) => re.test(v);
      break;
    }
    case '!~': {
      const re = anchoredRegex(m.value);
      fn = (v) => !re.test(v);
      break;
    }
  }
  return Object.assign(fn, { label: m.name });
}

/** True when the matcher matches the empty string (a selector of only such matchers selects everything). */
export function matchesEmpty(m: Matcher): boolean {
  return compileMatcher(m)('');
}
