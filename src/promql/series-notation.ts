/** Prometheus' series notation, as promqltest scripts and promtool's `input_series` write it. */
import { parseNumber } from './literals.js';
import { PromQLError, type Labels } from './model.js';

/** A series description: `name{a="b"} 1 2+3x4 _ stale`. Values of `undefined` are omitted; `null` is a staleness marker. */
export function parseSeriesDesc(line: string): { labels: Labels; values: (number | null | undefined)[] } {
  let i = 0;
  const labels: Record<string, string> = {};
  const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
  if (name) {
    labels.__name__ = name[0];
    i = name[0].length;
  }
  if (line[i] === '{') {
    i++;
    for (;;) {
      while (line[i] === ' ' || line[i] === ',') i++;
      if (line[i] === '}') {
        i++;
        break;
      }
      let label: string;
      if (line[i] === '"') {
        const q = readQuoted(line, i);
        label = q.value;
        i = q.end;
      } else {
        const m = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(i));
        if (!m) throw new PromQLError(`bad label name at character ${i + 1} of ${line}`, i);
        label = m[0];
        i += m[0].length;
      }
      while (line[i] === ' ') i++;
      if (line[i] !== '=') {
        labels.__name__ = label;
        continue;
      }
      i++;
      while (line[i] === ' ') i++;
      const q = readQuoted(line, i);
      labels[label] = q.value;
      i = q.end;
    }
  }
  const rest = line.slice(i).trim();
  if (rest.includes('{{')) throw new PromQLError('native histogram samples ({{…}}) are not supported');
  const values: (number | null | undefined)[] = [];
  for (const item of rest.split(/\s+/).filter(Boolean)) values.push(...expandItem(item));
  return { labels, values };
}

function readQuoted(line: string, i: number): { value: string; end: number } {
  const quote = line[i]!;
  if (quote !== '"' && quote !== "'") throw new PromQLError(`expected a quoted value at character ${i + 1} of ${line}`, i);
  let j = i + 1;
  while (j < line.length && line[j] !== quote) j += line[j] === '\\' ? 2 : 1;
  if (j >= line.length) throw new PromQLError(`unterminated label value at character ${i + 1} of ${line}`, i);
  return { value: JSON.parse(`"${line.slice(i + 1, j).replace(/\\'/g, "'")}"`) as string, end: j + 1 };
}

function expandItem(item: string): (number | null | undefined)[] {
  if (item === '_') return [undefined];
  if (item === 'stale') return [null];
  const blank = /^_x(\d+)$/.exec(item);
  if (blank) return Array.from({ length: Number(blank[1]) }, () => undefined);
  const seq = /^(.+?)([+-][^x]+)?x(\d+)$/.exec(item);
  if (seq && !/^[+-]?(inf|nan)$/i.test(item)) {
    const start = parseNumber(seq[1]!);
    const step = seq[2] ? parseNumber(seq[2]) : 0;
    const n = Number(seq[3]);
    return Array.from({ length: n + 1 }, (_, k) => start + k * step);
  }
  return [parseNumber(item)];
}
