import { parseDuration } from '../../lib/duration.js';

/**
 * A literal as written on one side of a condition, with the number it stands for when it has one:
 * plain numbers, durations in ms (`720h`), percentages as fractions (`80%` → 0.8) and byte sizes
 * (`10MB` → 10_000_000, `1MiB` → 1_048_576).
 */
export class Literal {
  constructor(
    readonly text: string,
    readonly number?: number,
    readonly unit?: 'duration' | 'percent' | 'bytes',
    readonly boolean?: boolean,
  ) {}
}

const SIZE_UNITS: Record<string, number> = {
  B: 1, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4,
};

export function parseLiteral(text: string): Literal {
  const t = text.trim();
  if (t === 'true' || t === 'false') return new Literal(text, undefined, undefined, t === 'true');
  if (/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t)) return new Literal(text, Number(t));
  const pct = /^([-+]?\d+(?:\.\d+)?)%$/.exec(t);
  if (pct) return new Literal(text, Number(pct[1]) / 100, 'percent');
  const size = /^(\d+(?:\.\d+)?)(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/.exec(t);
  if (size) return new Literal(text, Number(size[1]) * SIZE_UNITS[size[2]!]!, 'bytes');
  const ms = /^[-]?\d/.test(t) ? parseDuration(t.replace(/^-/, '')) : undefined;
  if (ms !== undefined) return new Literal(text, t.startsWith('-') ? -ms : ms, 'duration');
  return new Literal(text);
}
