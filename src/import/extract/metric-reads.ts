import type { FileContext } from '../context.js';
import { significant } from '../severity.js';

/** How a metrics check reads a figure: a gauge, a ratio of two counters' rates, or a histogram quantile. */
export type Measure = { gauge: string } | { ratio: { of: string; over: string } } | { quantile: { q: number; histogram: string } };

/** A metric the runbook reads: in a PromQL expression, or grepped out of a metrics endpoint. */
export interface MetricRead {
  measure: Measure;
  /** The range the expression rates over (`[5m]` → 5m), for a share read from one counter. */
  range?: string;
  /** Words that say what it measures: its metric names, the alert or comment that introduces it. */
  words: Set<string>;
  line: number;
  said: string;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SELECTOR = `${NAME}(?:\\{[^}]*\\})?`;
const QUANTILE = new RegExp(`histogram_quantile\\s*\\(\\s*(0?\\.\\d+|1(?:\\.0+)?)\\s*,\\s*(?:sum\\b[^(]*\\()?\\s*rate\\s*\\(\\s*(${NAME})_bucket\\b`);
const RATIO = new RegExp(`rate\\s*\\(\\s*(${SELECTOR})\\s*\\[[^\\]]+\\]\\s*\\)\\s*\\)?\\s*/\\s*(?:sum\\b[^(]*\\()?\\s*rate\\s*\\(\\s*(${SELECTOR})\\s*\\[`);
/** `rate(requests_count{status="5xx"}[5m])` alone: one counter, some of its series picked by a status label. */
const ERROR_SERIES = new RegExp(`^\\s*(?:sum\\b[^(]*\\()?\\s*rate\\s*\\(\\s*(${NAME})\\{([^}]*\\b(?:status|code|status_code)\\s*=~?\\s*"[^"]*"[^}]*)\\}\\s*\\[([^\\]]+)\\]\\s*\\)\\s*\\)?\\s*$`);
/** `curl …/metrics | grep -E "(a|b)"` or `| grep name`: the names a person looks for there. */
const GREPPED = /\bcurl\b[^|\n]*\/metrics\b[^|\n]*\|\s*grep\s+(?:-\w+\s+)*["']?([^"'|\n]+)["']?/;
const METRIC_NAME = /\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b/g;
/** `… | grep web_requests_total | grep 'status="5'`: the counter's series of one status class, grepped after the name. */
const STATUS_GREP = /\|\s*grep\s+(?:-\w+\s+)*["']?(status|code|status_code)=\\?"?([1-5])(?:xx|\d\d)?\b/;

function wordsIn(text: string): string[] {
  return text.toLowerCase().split(/[^a-z]+/).filter((w) => w.length >= 3).map((w) => w.replace(/s$/, ''));
}

/** The alert name or `# comment` just above an expression, which says what it measures. */
function introduction(ctx: FileContext, line: number): string {
  for (let l = line; l >= Math.max(1, line - 3); l--) {
    const t = ctx.lineText(l);
    const alert = /\balert\s*:\s*["']?([A-Za-z][\w]*)/.exec(t)?.[1];
    if (alert) return alert.replace(/([a-z])([A-Z])/g, '$1 $2');
    if (l < line && /^\s*#\s*\S/.test(t)) return t.replace(/^\s*#\s*/, '');
  }
  return '';
}

export function metricReads(ctx: FileContext): MetricRead[] {
  const out: MetricRead[] = [];
  for (let l = 1; l <= ctx.lines.length; l++) {
    const t = ctx.lineText(l);
    const q = QUANTILE.exec(t);
    const r = q ? undefined : RATIO.exec(t);
    if (q || r) {
      const measure: Measure = q ? { quantile: { q: Number(q[1]), histogram: q[2]! } } : { ratio: { of: r![1]!, over: r![2]! } };
      const names = q ? q[2]! : `${r![1]!} ${r![2]!}`;
      out.push({ measure, words: new Set(wordsIn(`${names} ${introduction(ctx, l)}`)), line: l, said: t.trim() });
      continue;
    }
    const e = ERROR_SERIES.exec(t);
    const intro = e ? introduction(ctx, l) : '';
    if (e && /\berrors?\b/i.test(intro)) {
      // An error rate read from one counter: the share of its series the status label picks.
      const rest = e[2]!.split(',').map((m) => m.trim()).filter((m) => m && !/^(status|code|status_code)\s*=/.test(m));
      const over = rest.length > 0 ? `${e[1]!}{${rest.join(',')}}` : e[1]!;
      out.push({ measure: { ratio: { of: `${e[1]!}{${e[2]!.trim()}}`, over } }, range: e[3]!.trim(), words: new Set(wordsIn(`${e[1]!} ${intro}`)), line: l, said: t.trim() });
      continue;
    }
    const g = GREPPED.exec(t);
    if (!g) continue;
    const status = STATUS_GREP.exec(t.slice(g.index + g[0].length));
    const counter = g[1]!.match(METRIC_NAME);
    if (status && counter?.length === 1) {
      // One counter grepped for a status class: that class's share of the counter's requests.
      const [, label, cls] = status;
      const measure: Measure = { ratio: { of: `${counter[0]}{${label!}=~"${cls!}.."}`, over: counter[0] } };
      const extra = cls === '5' ? 'error' : cls === '4' ? 'client error' : '';
      out.push({ measure, words: new Set(wordsIn(`${counter[0]} ${cls}xx ${extra}`)), line: l, said: t.trim() });
    }
    for (const m of g[1]!.matchAll(METRIC_NAME)) out.push({ measure: { gauge: m[0] }, words: new Set(wordsIn(m[0])), line: l, said: t.trim() });
  }
  return out;
}

/**
 * The metric the runbook reads for a figure it names ("Error rate (5xx)", "Queue depth"): the read
 * sharing the most of the subject's words. A percentage is a ratio or a quantile's subject, never a
 * counter read as a gauge; a pNN subject wants a quantile with that q.
 */
export function metricFor(reads: MetricRead[], subject: string, unit: string, quantile: number | undefined): MetricRead | undefined {
  const wanted = significant(subject).map((w) => w.replace(/s$/, ''));
  let best: { read: MetricRead; score: number } | undefined;
  for (const read of reads) {
    if (quantile !== undefined && !('quantile' in read.measure && read.measure.quantile.q === quantile)) continue;
    if (quantile === undefined && 'quantile' in read.measure) continue;
    if (unit === 'percent' && 'gauge' in read.measure && !/ratio|percent|pct|utili[sz]ation/.test(read.measure.gauge)) continue;
    const score = wanted.filter((w) => read.words.has(w)).length;
    if (score > 0 && (!best || score > best.score)) best = { read, score };
  }
  return best?.read;
}
