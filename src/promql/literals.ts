import { PromQLError } from './model.js';

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };
const DURATION = /^(?:(\d+)(ms|s|m|h|d|w|y))+$/;
const PART = /(\d+)(ms|s|m|h|d|w|y)/g;

/** A Prometheus duration (`1h30m`, `5m`, `1y`) in ms, or undefined. */
export function parseDurationMs(text: string): number | undefined {
  if (!DURATION.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(PART)) total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
  return total;
}

/** A number literal as PromQL reads it: decimals, exponents, hex, Inf, NaN, or a duration (seconds). */
export function parseNumber(text: string, position?: number): number {
  const t = text.replace(/\s+/g, '');
  const sign = t.startsWith('-') ? -1 : 1;
  const body = t.replace(/^[+-]/, '');
  const lower = body.toLowerCase();
  if (lower === 'inf') return sign * Infinity;
  if (lower === 'nan') return Number.NaN;
  if (/^0x[0-9a-f]+$/i.test(body)) return sign * Number.parseInt(body.slice(2), 16);
  if (/^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(body)) return sign * Number(body);
  const d = parseDurationMs(body);
  if (d !== undefined) return (sign * d) / 1000;
  throw new PromQLError(`bad number or duration syntax: "${text}"`, position);
}

/** A duration in brackets or after `offset`: a duration literal, or a number of seconds. */
export function parseDurationLiteral(text: string, position?: number): number {
  const d = parseDurationMs(text.trim());
  if (d !== undefined) return d;
  const n = parseNumber(text, position);
  if (!Number.isFinite(n)) throw new PromQLError(`bad duration: "${text}"`, position);
  return Math.round(n * 1000);
}

/** A string literal's value: "…" and '…' with Go escapes, `…` raw. */
export function unquote(text: string, position?: number): string {
  const q = text[0];
  if (text.length < 2 || text[text.length - 1] !== q) throw new PromQLError(`unterminated string ${text}`, position);
  const body = text.slice(1, -1);
  if (q === '`') return body;
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)/gs, (_, e: string) => {
    switch (e[0]) {
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case 'a':
        return '\u0007';
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'v':
        return '\v';
      case 'x':
      case 'u':
      case 'U':
        return String.fromCodePoint(Number.parseInt(e.slice(1), 16));
      default:
        if (/^[0-7]{3}$/.test(e)) return String.fromCodePoint(Number.parseInt(e, 8));
        return e;
    }
  });
}
