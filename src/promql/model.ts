/** The PromQL value model: label sets, samples, series and the four value types of an expression. */

export const METRIC_NAME = '__name__';

/** A label set. Keys are label names; an empty value means the label is absent. */
export type Labels = Readonly<Record<string, string>>;

/**
 * A label's value, '' when the set lacks it. Only the set's own labels: a label named `constructor`
 * or `toString` must not find Object.prototype's members.
 */
export function labelValue(labels: Labels, name: string): string {
  return Object.hasOwn(labels, name) ? (labels[name] ?? '') : '';
}

/** A stable identity for a label set: its names in order with their values. */
export function labelsKey(labels: Labels): string {
  const names = Object.keys(labels).sort();
  let out = '';
  for (const n of names) {
    const v = labels[n]!;
    if (v !== '') out += `${n}\u0000${v}\u0001`;
  }
  return out;
}

/** The label set without the names given (and without empty values). */
export function dropLabels(labels: Labels, names: Iterable<string>): Record<string, string> {
  const drop = new Set(names);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (!drop.has(k) && v !== '') out[k] = v;
  return out;
}

/** The label set with only the names given. */
export function keepLabels(labels: Labels, names: Iterable<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) {
    const v = labelValue(labels, n);
    if (v !== '') out[n] = v;
  }
  return out;
}

/** `name{a="b", c="d"}` as Prometheus prints a series. */
export function formatLabels(labels: Labels): string {
  const name = labels[METRIC_NAME];
  const rest = Object.keys(labels)
    .filter((k) => k !== METRIC_NAME && labels[k] !== '')
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`);
  return `${name ?? ''}{${rest.join(', ')}}`;
}

/** One sample of an instant vector. `t` is the time of the stored sample it came from (for `timestamp()`). */
export interface Sample {
  metric: Labels;
  value: number;
  t: number;
  /** The metric name is dropped when the whole expression has been evaluated (Prometheus' delayed name removal). */
  dropName: boolean;
}

export interface Point {
  t: number;
  v: number;
}

export interface Series {
  metric: Labels;
  points: Point[];
  dropName: boolean;
}

export type Value =
  | { kind: 'scalar'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'vector'; samples: Sample[] }
  /** A range vector: each series' points in the window (`end - range`, `end`]. */
  | { kind: 'matrix'; series: Series[]; range: number; end: number };

export type ValueKind = Value['kind'];

/** An evaluation or parse error, with the position in the expression where known. */
export class PromQLError extends Error {
  constructor(
    message: string,
    readonly position?: number,
  ) {
    super(message);
    this.name = 'PromQLError';
  }
}
