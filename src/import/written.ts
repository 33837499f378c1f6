/**
 * What a runbook writes, read from its plain text, for `--compare` to tell a value the runbook gave
 * from one a person chose later. Independent of import's own reading, so a comparison cannot excuse
 * what import misses.
 */

const UNIT_MS: [RegExp, number][] = [
  [/^(ms|msecs?|milliseconds?)$/i, 1],
  [/^(s|secs?|seconds?)$/i, 1e3],
  [/^(m|mins?|minutes?)$/i, 6e4],
  [/^(h|hrs?|hours?)$/i, 3.6e6],
  [/^(d|days?)$/i, 8.64e7],
  [/^(w|wks?|weeks?)$/i, 6.048e8],
];
const DURATION = /(\d+(?:\.\d+)?)\s*-?\s*(ms|msecs?|milliseconds?|secs?|seconds?|s|mins?|minutes?|m|hrs?|hours?|h|days?|d|wks?|weeks?|w)\b/gi;

export interface Written {
  /** Every duration the text writes, in milliseconds ("15 min", "1 hour", "500ms", "2-4 hours" gives 4 h). */
  durations: Set<number>;
  /** Whether a severity id is written anywhere but in the row of a table that defines it. */
  namesSeverity(id: string): boolean;
  /** Whether an identifier (a metric name) is written anywhere, as a whole word. */
  namesIdentifier(name: string): boolean;
  /** Every percentage the text writes ("99.9%", "99 %"), as a number of percent. */
  percentages: Set<number>;
  /** Whether a URL path is written anywhere ("/api/accounts", with or without its trailing slash). */
  namesPath(path: string): boolean;
}

export function written(texts: string[]): Written {
  const durations = new Set<number>();
  const lines = texts.flatMap((t) => t.split('\n'));
  for (const line of lines) {
    for (const m of line.matchAll(DURATION)) {
      const per = UNIT_MS.find(([re]) => re.test(m[2]!))?.[1];
      if (per !== undefined) durations.add(Number(m[1]) * per);
    }
  }
  const percentages = new Set<number>();
  for (const line of lines) for (const m of line.matchAll(/(\d+(?:\.\d+)?)\s*%/g)) percentages.add(Number(m[1]));
  const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const all = lines.join('\n');
  return {
    durations,
    percentages,
    namesIdentifier(name) {
      // A histogram or counter is written by its series too (`…_bucket`, `…_count`).
      return new RegExp(`(^|[^A-Za-z0-9_:])${escape(name)}(_bucket|_count|_sum|_total)?($|[^A-Za-z0-9_:])`).test(all);
    },
    namesPath(path) {
      return new RegExp(`${escape(path.replace(/\/$/, ''))}($|[^A-Za-z0-9_-])`).test(all);
    },
    namesSeverity(id) {
      const word = new RegExp(`(^|[^A-Za-z0-9_-])${escape(id)}($|[^A-Za-z0-9_-])`);
      // A row whose first cell is the id ("| P1 | Service down |", "| **P0 - Critical** |") defines it.
      const definition = new RegExp(`^\\s*\\|\\s*[*_\`]*${escape(id)}\\b`);
      return lines.some((l) => word.test(l) && !definition.test(l));
    },
  };
}
