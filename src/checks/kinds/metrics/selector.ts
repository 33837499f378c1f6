import { anchoredRegex, labelsMatch, type LabelMatcher } from '../../../lib/labels.js';
import type { Sample } from './exposition.js';

export type Matcher = LabelMatcher;

/** A PromQL instant-vector selector: `name{label="v", status=~"5..", path!="/health"}`. */
export interface Selector {
  name: string;
  matchers: Matcher[];
}

export function parseSelector(text: string): Selector | undefined {
  const m = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?:\{(.*)\})?\s*$/s.exec(text);
  if (!m) return undefined;
  const matchers: Matcher[] = [];
  const body = m[2] ?? '';
  const re = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(,|$)/y;
  let pos = 0;
  while (pos < body.length) {
    re.lastIndex = pos;
    const mm = re.exec(body);
    if (!mm) return undefined;
    const value = mm[3]!.replace(/\\(.)/g, '$1');
    const op = mm[2] as Matcher['op'];
    if (op === '=~' || op === '!~') {
      try {
        anchoredRegex(value); // PromQL regexes are fully anchored; an invalid one is no selector
      } catch {
        return undefined;
      }
    }
    matchers.push({ label: mm[1]!, op, value });
    pos = re.lastIndex;
    if (mm[4] === '') break;
  }
  return { name: m[1]!, matchers };
}

export function matches(sel: Selector, s: Sample, name = sel.name): boolean {
  return s.name === name && labelsMatch(sel.matchers, s.labels);
}
