/**
 * Shortcuts the reader takes for speed, none of which may change a result: caches of work by
 * text (runbooks repeat the same blocks and commands), the simple-shell reader that stands in
 * for mvdan-sh on plain command lines, the plain-SQL reader that stands in for libpg-query, and
 * cheap looks that spare work within one document. Tests turn them off to check that results stay the same;
 * `bench:runbooks` turns the caches off to measure without them.
 */
export interface Speedups {
  /** Keep parse and classification results by text, and reuse them for the same text. */
  caches: boolean;
  /** Read simple shell text without mvdan-sh (see `classify/shell-plain.ts`). */
  simpleShell: boolean;
  /** Read plain SQL without libpg-query (see `classify/sql-plain.ts`). */
  plainSql: boolean;
  /**
   * Look once where that spares many looks, within one document only: a shell block's whole text
   * for SQL, redis-cli sessions and `$ ` prompts before each of its lines; a strict PromQL parse,
   * which stops at the first error, before Lezer's recovering one, needed only for the message of
   * a query that does not parse; each heading and label of a document read as a phase once,
   * however often procedures and phases ask; a mongo shell snippet's text for `Command` before the
   * patterns that read an admin command.
   */
  prechecks: boolean;
  /**
   * Classify shell commands the short way: a statement's verdict built in one pass over its calls
   * (see `classify/statement.ts`) rather than combined from a verdict per call.
   */
  directVerdicts: boolean;
}

const current: Speedups = { caches: true, simpleShell: true, plainSql: true, prechecks: true, directVerdicts: true };
const caches: TextCache<unknown>[] = [];

export function speedups(): Readonly<Speedups> {
  return current;
}

/** Turn speed-ups on or off; every cache is emptied, so a run after this starts cold. */
export function setSpeedups(change: Partial<Speedups>): void {
  Object.assign(current, change);
  for (const c of caches) c.clear();
}

export interface CacheStats {
  hits: number;
  misses: number;
  entries: number;
}

/** Hits and misses of every cache since the last `setSpeedups`. */
export function cacheStats(): CacheStats {
  const out: CacheStats = { hits: 0, misses: 0, entries: 0 };
  for (const c of caches) {
    out.hits += c.hits;
    out.misses += c.misses;
    out.entries += c.size;
  }
  return out;
}

/** A bounded cache keyed by text; the oldest entry goes first. Does nothing while caches are off. */
export class TextCache<T> {
  hits = 0;
  misses = 0;
  private readonly map = new Map<string, T>();

  constructor(private readonly limit: number) {
    caches.push(this as TextCache<unknown>);
  }

  get size(): number {
    return this.map.size;
  }

  get(key: string): T | undefined {
    if (!current.caches) return undefined;
    const v = this.map.get(key);
    if (v === undefined) this.misses++;
    else this.hits++;
    return v;
  }

  set(key: string, value: T): void {
    if (!current.caches) return;
    if (this.map.size >= this.limit) this.map.delete(this.map.keys().next().value!);
    this.map.set(key, value);
  }

  clear(): void {
    this.map.clear();
    this.hits = 0;
    this.misses = 0;
  }
}
