import type { Labels } from './types.js';

/** `rule{a="1",b="2"}`: the rule id and its labels sorted by name. The dedup key of its alerts. */
export function seriesKey(ruleId: string, labels: Labels): string {
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`);
  return `${ruleId}{${parts.join(',')}}`;
}
