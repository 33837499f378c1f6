/**
 * Thresholds as runbooks write them: "> 500 jobs", "p99 >2s", ">80% pool", "< 2 seconds",
 * "40-70%", "alert at 30 days", "drops to 0%". Read into a comparison opsbook conditions can hold.
 */

export type Op = '>' | '>=' | '<' | '<=';
export type Unit = 'percent' | 'duration' | 'count';

export interface Threshold {
  /** What is measured, as the runbook names it ("Email queue", "`orders_pending_total`"); may be empty. */
  subject: string;
  op: Op;
  value: number;
  unit: Unit;
  /** For durations: the value in seconds. */
  seconds?: number;
  /** `p99` → 0.99. */
  quantile?: number;
  /** "40-70%": the healthy range (op and value then describe its upper end). */
  range?: [number, number];
  /** Words after the number ("jobs", "/worker", "pool"), kept for notes. */
  qualifier: string;
  /** "for 5 minutes" → `5m`. */
  for?: string;
  /** The comparison as written. */
  text: string;
}

const UNIT_SECONDS: [RegExp, number][] = [
  [/^(ms|millis(econds?)?)$/i, 0.001],
  [/^(s|secs?|seconds?)$/i, 1],
  [/^(m|mins?|minutes?)$/i, 60],
  [/^(h|hrs?|hours?)$/i, 3600],
  [/^(d|days?)$/i, 86_400],
];

const OPS: Record<string, Op> = { '>': '>', '>=': '>=', '≥': '>=', '<': '<', '<=': '<=', '≤': '<=' };
const WORD_OPS: [RegExp, Op][] = [
  [/\b(?:alert (?:at|if)|at|reaches|hits)\s*$/i, '>='],
  [/\b(?:drops? to|falls? to|below|under)\s*$/i, '<='],
  [/\b(?:above|over|exceeds?|more than)\s*$/i, '>'],
];

function unitOf(word: string | undefined): { unit: Unit; factor?: number } {
  if (!word) return { unit: 'count' };
  if (word === '%') return { unit: 'percent' };
  for (const [re, f] of UNIT_SECONDS) if (re.test(word)) return { unit: 'duration', factor: f };
  return { unit: 'count' };
}

/** `5 minutes` → `5m`; undefined when it is not a duration. */
export function durationText(n: number, word: string): string | undefined {
  for (const [re, f] of UNIT_SECONDS) {
    if (!re.test(word)) continue;
    const s = n * f;
    if (s >= 3600 && s % 3600 === 0) return `${s / 3600}h`;
    if (s >= 60 && s % 60 === 0) return `${s / 60}m`;
    return s >= 1 && Number.isInteger(s) ? `${s}s` : `${Math.round(s * 1000)}ms`;
  }
  return undefined;
}

function cleanSubject(s: string): string {
  return s
    .replace(/[`*]/g, '')
    .replace(/^(monitor|set|track|watch|check)\b\s*/i, '')
    .replace(/\(\s*$/, '')
    .replace(/\b(alert (at|if)|at|drops? to|falls? to|below|under|above|over|exceeds?|more than|reaches|hits|is|of)\s*$/i, '')
    .replace(/\b(p50|p90|p95|p99|p999)\s*$/i, '')
    .replace(/[:\s(-]+$/, '')
    .trim();
}

const NUMBER = String.raw`(\d+(?:\.\d+)?)`;
const RANGE = new RegExp(String.raw`^(.*?)\s${NUMBER}\s*[-–]\s*${NUMBER}\s*(%|[a-z]+)?(.*)$`, 'i');
const COMPARE = new RegExp(String.raw`^(.*?)(?:\b(p\d{2,3})\s*)?(>=|<=|≥|≤|>|<)\s*${NUMBER}\s*(%|[a-z]+\b)?(.*)$`, 'i');
const WORDED = new RegExp(String.raw`^(.*?\b(?:alert (?:at|if)|drops? to|falls? to|reaches|above|below|exceeds?|more than))\s+(?:(>=|<=|>|<)\s*)?${NUMBER}\s*(%|[a-z]+\b)?(.*)$`, 'i');

/** Reads the first threshold in a line of prose or a table cell; undefined when there is none. */
export function parseThreshold(text: string): Threshold | undefined {
  const t = text.replace(/\s+/g, ' ').trim();
  const forMatch = /\bfor (\d+(?:\.\d+)?)\s*(minutes?|mins?|m|seconds?|secs?|s|hours?|h)\b/i.exec(t);
  const forText = forMatch ? durationText(Number(forMatch[1]), forMatch[2]!) : undefined;
  const finish = (th: Omit<Threshold, 'for'>): Threshold => ({ ...th, ...(forText ? { for: forText } : {}) });

  const c = COMPARE.exec(t);
  if (c) {
    const [, before = '', p, opText = '>', num = '0', word, after = ''] = c;
    const { unit, factor } = unitOf(word);
    const value = Number(num);
    return finish({
      subject: cleanSubject(before),
      op: OPS[opText]!,
      value,
      unit,
      ...(factor !== undefined ? { seconds: value * factor } : {}),
      ...(p ? { quantile: Number(`0.${p.slice(1)}`) } : {}),
      qualifier: `${unit === 'count' && word ? word : ''}${after}`.replace(/:\s*(warning|critical)\s*$/i, '').trim().replace(/^[)\]:,.\s]+|[(:\s]+$/g, ''),
      text: t.slice(before.length).replace(/[:\s]+$/, ''),
    });
  }
  const w = WORDED.exec(t);
  if (w) {
    const [, before = '', opText, num = '0', word, after = ''] = w;
    const { unit, factor } = unitOf(word);
    const value = Number(num);
    const op = opText ? OPS[opText]! : (WORD_OPS.find(([re]) => re.test(before))?.[1] ?? '>=');
    return finish({
      subject: cleanSubject(before),
      op,
      value,
      unit,
      ...(factor !== undefined ? { seconds: value * factor } : {}),
      qualifier: `${unit === 'count' && word ? word : ''}${after}`.trim().replace(/^[)\]:,.\s]+|[(:\s]+$/g, ''),
      text: t,
    });
  }
  const r = RANGE.exec(t);
  if (r) {
    const [, before = '', lo = '0', hi = '0', word] = r;
    const { unit, factor } = unitOf(word);
    const subject = cleanSubject(before);
    if (!subject || (unit === 'count' && word)) return undefined;
    return finish({ subject, op: '<=', value: Number(hi), unit, ...(factor !== undefined ? { seconds: Number(hi) * factor } : {}), range: [Number(lo), Number(hi)], qualifier: '', text: t.slice(before.length).trim() });
  }
  return undefined;
}

/** The opposite comparison: a healthy "< 2 seconds" is unhealthy at ">= 2 seconds". */
export function negate(op: Op): Op {
  return ({ '>': '<=', '>=': '<', '<': '>=', '<=': '>' } as const)[op];
}

/** How the threshold's number is written in a condition on a value in the given domain. */
export function literal(th: Pick<Threshold, 'unit' | 'value' | 'seconds'>, n: number = th.value, domain: 'seconds' | 'milliseconds' | 'duration' = 'seconds'): string {
  if (th.unit === 'percent') return `${n}%`;
  if (th.unit === 'duration' && th.seconds !== undefined) {
    const s = (th.seconds / th.value) * n;
    if (domain === 'milliseconds') return `${Number((s * 1000).toFixed(3))}ms`;
    if (domain === 'duration') return durationText(s, 's') ?? `${s}s`;
    return String(Number(s.toFixed(6)));
  }
  return String(n);
}

/** `[VALUE] > 500`, or for a range `[VALUE] < 40% || [VALUE] > 70%` (outside the healthy range). */
export function condition(placeholder: string, th: Threshold, opts: { negate?: boolean; domain?: 'seconds' | 'milliseconds' | 'duration' } = {}): string {
  if (th.range) {
    const [lo, hi] = th.range;
    return `${placeholder} < ${literal(th, lo, opts.domain)} || ${placeholder} > ${literal(th, hi, opts.domain)}`;
  }
  const op = opts.negate ? negate(th.op) : th.op;
  return `${placeholder} ${op} ${literal(th, th.value, opts.domain)}`;
}
