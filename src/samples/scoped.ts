import type { Matcher, SeriesSource } from '../promql/index.js';

/** The series of `source` that also match `scope` (a metrics check reads only what it scraped). */
export function scopedSource(source: SeriesSource, scope: readonly Matcher[]): SeriesSource {
  return { select: (matchers, mint, maxt) => source.select([...matchers, ...scope], mint, maxt) };
}
