import type { Selector } from './selector.js';

/** The PromQL a metrics check evaluates: its value, the series it counts as [SERIES], and whether it reads rates. */
export interface MetricsQuery {
  value: string;
  series: string;
  /** Rates need two scrapes: until then the check is pending, not down. */
  needsTwoScrapes: boolean;
}

export interface SugarForms {
  gauge?: Selector;
  rate?: Selector;
  ratio?: { of: Selector; over: Selector };
  gauge_ratio?: { of: Selector; over: Selector };
  quantile?: { q: number; histogram: Selector };
}

/** `name{label="value", …}`, with extra matchers appended. */
export function selectorText(s: Selector, name = s.name, extra = ''): string {
  const parts = s.matchers.map((m) => `${m.label}${m.op}${JSON.stringify(m.value)}`);
  if (extra) parts.push(extra);
  return `${name}{${parts.join(', ')}}`;
}

/**
 * The hand-written forms as PromQL, so every metrics check is evaluated by the one evaluator over
 * the sample store. A rate is `irate` over a window as long as the store keeps: the increase
 * between this scrape and the one before (a counter that went down was reset), which is what the
 * forms have always meant.
 */
export function sugarQuery(f: SugarForms, windowMs: number): MetricsQuery {
  const w = `[${windowMs}ms]`;
  const count = (s: Selector, name?: string): string => `count(${selectorText(s, name)}) or vector(0)`;
  if (f.gauge) return { value: `sum(${selectorText(f.gauge)}) or vector(0)`, series: count(f.gauge), needsTwoScrapes: false };
  if (f.rate) return { value: `sum(irate(${selectorText(f.rate)}${w})) or vector(0)`, series: count(f.rate), needsTwoScrapes: true };
  if (f.gauge_ratio) {
    // No denominator, or a zero one, has no ratio: [VALUE] stays unset and has([VALUE]) fails.
    const { of, over } = f.gauge_ratio;
    return { value: `sum(${selectorText(of)}) / (sum(${selectorText(over)}) != 0)`, series: count(of), needsTwoScrapes: false };
  }
  if (f.ratio) {
    // No traffic in the denominator is a ratio of 0, not an error.
    const { of, over } = f.ratio;
    return {
      value: `(sum(irate(${selectorText(of)}${w})) or vector(0)) / (sum(irate(${selectorText(over)}${w})) > 0) or vector(0)`,
      series: count(of),
      needsTwoScrapes: true,
    };
  }
  const { q, histogram: h } = f.quantile!;
  const buckets = selectorText(h, `${h.name}_bucket`);
  const inf = selectorText(h, `${h.name}_bucket`, 'le="+Inf"');
  // Over the observations since the previous scrape when there were any, else over the process lifetime.
  return {
    value:
      `histogram_quantile(${q}, sum by (le) (irate(${buckets}${w})) and on() (sum(irate(${inf}${w})) > 0))` +
      ` or histogram_quantile(${q}, sum by (le) (${buckets}))`,
    series: count(h, `${h.name}_bucket`),
    needsTwoScrapes: false,
  };
}
