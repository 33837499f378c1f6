import type { Procedure } from '../runbooks/index.js';
import type { FileContext } from './context.js';
import { significant } from './severity.js';
import type { Threshold } from './threshold.js';

/** What a value read in a unit is, per second: `_ms` → 0.001. */
const SUFFIX: [RegExp, number, string][] = [
  [/_(ms|millis|milliseconds)$/, 0.001, 'milliseconds'],
  [/_(us|micros|microseconds)$/, 0.000_001, 'microseconds'],
  [/_(seconds|secs|sec)$/, 1, 'seconds'],
];
const IDENTIFIER = /\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b/g;

export interface NamedUnit {
  /** The identifier the runbook reads ("queue_wait_ms"). */
  name: string;
  line: number;
  /** Seconds per unit of the value it holds. */
  factor: number;
  unit: string;
}

function scan(lineText: (line: number) => string, subject: string, from: number, to: number): NamedUnit | undefined {
  const wanted = new Set(significant(subject));
  const own = /^[a-z][a-z0-9_]*$/.test(subject.trim()) ? subject.trim() : undefined;
  for (let l = from; l <= to; l++) {
    for (const m of lineText(l).matchAll(IDENTIFIER)) {
      const name = m[0];
      const suffix = SUFFIX.find(([re]) => re.test(name));
      if (!suffix) continue;
      if (name !== own && !name.split('_').some((w) => wanted.has(w))) continue;
      return { name, line: l, factor: suffix[1], unit: suffix[2] };
    }
  }
  return undefined;
}

/**
 * The unit the runbook reads a duration in, from the name of what it reads: `queue_wait_ms` holds
 * milliseconds, `job_runtime_seconds` seconds. Looked for in the subject itself, then in the
 * procedure the threshold belongs to, then anywhere in the runbook; undefined when nothing says.
 */
export function unitNamed(ctx: FileContext, subject: string, line: number, procedure?: Procedure): NamedUnit | undefined {
  const own = scan(() => subject, subject, 1, 1);
  if (own) return { ...own, line };
  const p = procedure ?? ctx.procedureAt(line);
  const text = (l: number): string => ctx.lineText(l);
  return (p ? scan(text, subject, p.line, p.endLine) : undefined) ?? scan(text, subject, 1, ctx.lines.length);
}

/** A duration threshold as a plain number in the given unit: "> 100ms" read in milliseconds is "> 100". */
export function inUnit(th: Threshold, unit: NamedUnit): Threshold {
  if (th.unit !== 'duration' || th.seconds === undefined) return th;
  const per = th.seconds / th.value;
  const convert = (n: number): number => Number(((n * per) / unit.factor).toFixed(6));
  const { seconds: _seconds, ...rest } = th;
  return { ...rest, unit: 'count', value: convert(th.value), ...(th.range ? { range: [convert(th.range[0]), convert(th.range[1])] as [number, number] } : {}) };
}
