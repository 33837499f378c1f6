/** How promtool prints durations, label sets and values in its unit-test messages. */
import type { Labels } from '../../promql/index.js';

/** Prometheus' model.Duration.String(): `0s`, `1m`, `4m59s`, `1d`, `2m59s999ms`. */
export function formatModelDuration(msTotal: number): string {
  let ms = Math.round(msTotal);
  if (ms === 0) return '0s';
  let out = '';
  const unit = (name: string, mult: number, exact: boolean) => {
    if (exact && ms % mult !== 0) return;
    const v = Math.floor(ms / mult);
    if (v > 0) {
      out += `${v}${name}`;
      ms -= v * mult;
    }
  };
  unit('y', 31_536_000_000, true);
  unit('w', 604_800_000, true);
  unit('d', 86_400_000, false);
  unit('h', 3_600_000, false);
  unit('m', 60_000, false);
  unit('s', 1000, false);
  unit('ms', 1, false);
  return out;
}

/** Go's labels.String(): `{__name__="up", job="x"}`, names sorted. */
export function formatLabelSet(labels: Labels): string {
  const names = Object.keys(labels).filter((k) => labels[k] !== '').sort();
  return `{${names.map((n) => `${n}=${JSON.stringify(labels[n])}`).join(', ')}}`;
}

/** strconv.FormatFloat(v, 'E', -1, 64): `1E+00`, `3.5E-01`, `NaN`, `+Inf`. */
export function formatE(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const [m, e] = v.toExponential().split('e') as [string, string];
  const exp = Number(e);
  return `${m}E${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

export function indentLines(text: string, indent: string): string {
  return text.split('\n').join(`\n${indent}`);
}
