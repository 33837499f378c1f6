/** Go's fmt verbs for the numbers and strings alert templates print. */

/** Go's %v / %g (shortest) for a float64: `1e+06`, `0.5`, `123456`, `+Inf`, `NaN`. */
export function goFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const [mantissa, expText] = v.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  // strconv's shortest 'g' switches to the exponent form below 1e-4 and from 1e6 on.
  if (exp < -4 || exp >= 6) return goExponent(mantissa, exp);
  return String(v);
}

function goExponent(mantissa: string, exp: number): string {
  const sign = exp < 0 ? '-' : '+';
  const digits = String(Math.abs(exp)).padStart(2, '0');
  return `${mantissa}e${sign}${digits}`;
}

/** Go's %.Ng: N significant digits, exponent form when the exponent is < -4 or >= N, trailing zeros removed. */
export function goPrecisionG(v: number, precision: number): string {
  if (!Number.isFinite(v)) return goFloat(v);
  if (v === 0) return '0';
  const p = Math.max(1, precision);
  const [m, e] = v.toExponential(p - 1).split('e') as [string, string];
  const exp = Number(e);
  const trim = (s: string) => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  if (exp < -4 || exp >= p) return goExponent(trim(m), exp);
  return trim(v.toFixed(Math.max(0, p - 1 - exp)));
}

/** A subset of Go's fmt.Sprintf: %s %v %d %f %g %e %q %x %%, with flags `-+ 0`, width and precision. */
export function goSprintf(format: string, args: unknown[]): string {
  let i = 0;
  return format.replace(/%([-+ 0#]*)(\d+)?(?:\.(\d+))?([svdfgeqx%])/g, (_all, flags: string, width?: string, prec?: string, verb?: string) => {
    if (verb === '%') return '%';
    if (i >= args.length) return `%!${verb}(MISSING)`;
    const arg = args[i++];
    let out: string;
    const precision = prec === undefined ? undefined : Number(prec);
    switch (verb) {
      case 'd':
        out = typeof arg === 'number' ? String(Math.trunc(arg)) : `%!d(${typeof arg}=${String(arg)})`;
        break;
      case 'f':
        out = typeof arg === 'number' ? (Number.isFinite(arg) ? arg.toFixed(precision ?? 6) : goFloat(arg)) : `%!f(${typeof arg}=${String(arg)})`;
        break;
      case 'g':
        out = typeof arg === 'number' ? (precision === undefined ? goFloat(arg) : goPrecisionG(arg, precision)) : `%!g(${typeof arg}=${String(arg)})`;
        break;
      case 'e':
        out = typeof arg === 'number' ? goExponentForm(arg, precision ?? 6) : `%!e(${typeof arg}=${String(arg)})`;
        break;
      case 'q':
        out = JSON.stringify(String(arg));
        break;
      case 'x':
        out = typeof arg === 'number' ? Math.trunc(arg).toString(16) : Buffer.from(String(arg)).toString('hex');
        break;
      default:
        out = goValue(arg);
        if (precision !== undefined && verb === 's') out = out.slice(0, precision);
    }
    if (flags.includes('+') && typeof arg === 'number' && arg >= 0 && verb !== 's' && verb !== 'q') out = `+${out}`;
    const w = width === undefined ? 0 : Number(width);
    if (out.length < w) {
      if (flags.includes('-')) out = out.padEnd(w);
      else out = flags.includes('0') && typeof arg === 'number' ? out.padStart(w, '0') : out.padStart(w);
    }
    return out;
  });
}

function goExponentForm(v: number, precision: number): string {
  if (!Number.isFinite(v)) return goFloat(v);
  const [m, e] = v.toExponential(precision).split('e') as [string, string];
  return goExponent(m, Number(e));
}

/** How Go's %v prints a template value. */
export function goValue(v: unknown): string {
  if (typeof v === 'number') return goFloat(v);
  if (v === undefined || v === null) return '<no value>';
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `map[${entries.map(([k, x]) => `${k}:${goValue(x)}`).join(' ')}]`;
  }
  return String(v);
}

const BIG = ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];
const SMALL = ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y'];

/** Prometheus' `humanize`: SI prefixes, 4 significant digits. */
export function humanize(v: number): string {
  if (v === 0 || Number.isNaN(v) || !Number.isFinite(v)) return goPrecisionG(v, 4);
  let prefix = '';
  if (Math.abs(v) >= 1) {
    for (const p of BIG) {
      if (Math.abs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
  } else {
    for (const p of SMALL) {
      if (Math.abs(v) >= 1) break;
      prefix = p;
      v *= 1000;
    }
  }
  return `${goPrecisionG(v, 4)}${prefix}`;
}

export function humanizePercentage(v: number): string {
  return `${goPrecisionG(v * 100, 4)}%`;
}

/** Prometheus' `humanizeDuration`: `1d 2h 3m 4s`, `1.5s`, `250ms`. */
export function humanizeDuration(v: number): string {
  if (Number.isNaN(v) || !Number.isFinite(v)) return goPrecisionG(v, 4);
  if (v === 0) return '0s';
  if (Math.abs(v) >= 1) {
    const sign = v < 0 ? '-' : '';
    v = Math.abs(v);
    const duration = Math.trunc(v);
    const seconds = duration % 60;
    const minutes = Math.trunc(duration / 60) % 60;
    const hours = Math.trunc(duration / 3600) % 24;
    const days = Math.trunc(duration / 86400);
    if (days !== 0) return `${sign}${days}d ${hours}h ${minutes}m ${seconds}s`;
    if (hours !== 0) return `${sign}${hours}h ${minutes}m ${seconds}s`;
    if (minutes !== 0) return `${sign}${minutes}m ${seconds}s`;
    return `${sign}${goPrecisionG(v, 4)}s`;
  }
  let prefix = '';
  for (const p of SMALL) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return `${goPrecisionG(v, 4)}${prefix}s`;
}
