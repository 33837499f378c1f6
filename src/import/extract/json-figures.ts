import type { Procedure } from '../../runbooks/index.js';
import type { FileContext } from '../context.js';
import { significant } from '../severity.js';

/** A figure the runbook reads from a JSON endpoint: `curl URL | jq '.db.query_time_ms'`. */
export interface JsonRead {
  url: string;
  /** The jq path as written, `.a.b`. */
  path: string;
  line: number;
  /** The line that reads it (its curl's credentials are the check's). */
  command: string;
}

const JQ_READ = /\bcurl\b[^|\n]*?\s(https?:\/\/[^\s'"|]+)[^|\n]*\|\s*jq\s+(?:-\w+\s+)*['"]?(\.[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)['"]?/;

/** Every `curl URL | jq '.path'` of the runbook, in line order (a URL with a placeholder is not a figure endpoint). */
export function jsonReads(ctx: FileContext): JsonRead[] {
  const out: JsonRead[] = [];
  for (let l = 1; l <= ctx.lines.length; l++) {
    const text = ctx.lineText(l);
    const m = JQ_READ.exec(text);
    if (m && !/[{}<>]/.test(m[1]!)) out.push({ url: m[1]!, path: m[2]!, line: l, command: text });
  }
  return out;
}

/** A key that holds a measurement rather than an object of them: `query_time_ms`, `hit_rate`, `lag_seconds`. */
const MEASURE_KEY = /_(ms|us|seconds|secs|bytes|percent|pct|ratio|rate|count|total|utilization)$/i;

/** Words of a path or name, with the usual short forms spelled out (avg → average). */
function wordsOf(text: string): Set<string> {
  const short: Record<string, string> = { avg: 'average', pct: 'percent', util: 'utilization', conn: 'connection', conns: 'connections', repl: 'replication' };
  return new Set(text.toLowerCase().split(/[^a-z]+/).filter(Boolean).map((w) => short[w] ?? w));
}

export interface JsonFigure {
  read: JsonRead;
  /** The path that holds the figure itself, when the jq path's last key names it; else undefined. */
  path: string | undefined;
}

/**
 * Where the runbook reads a figure it names ("Average query latency") from JSON: the jq read whose
 * path names the most of the subject's words, the procedure's own reads first. The path is the
 * figure's when its last key names it (`.db.query_time_ms`); a read of the object around it
 * (`.workers` for "Workers busy") gives the endpoint, not the key. With no
 * read naming the subject, the endpoint every read uses (when there is one) is where the runbook
 * reads its figures; the key is then left to fill.
 */
export function jsonFigure(ctx: FileContext, subject: string, procedure?: Procedure): JsonFigure | undefined {
  const reads = jsonReads(ctx);
  if (reads.length === 0) return undefined;
  const wanted = significant(subject).map((w) => [...wordsOf(w)][0]!);
  const inProcedure = (r: JsonRead): boolean => procedure !== undefined && r.line >= procedure.line && r.line <= procedure.endLine;
  let best: { read: JsonRead; score: number; leaf: boolean } | undefined;
  for (const read of reads) {
    const keys = read.path.split('.').filter(Boolean);
    const all = wordsOf(read.path);
    const score = wanted.filter((w) => all.has(w) || all.has(w.replace(/s$/, ''))).length * 2 + (inProcedure(read) ? 1 : 0);
    if (score < 2) continue;
    const leaf = wanted.every((w) => all.has(w) || all.has(w.replace(/s$/, ''))) || MEASURE_KEY.test(keys[keys.length - 1]!);
    if (!best || score > best.score) best = { read, score, leaf };
  }
  if (best) return { read: best.read, path: best.leaf ? best.read.path : undefined };
  const urls = new Set(reads.map((r) => r.url.replace(/\/$/, '')));
  return urls.size === 1 ? { read: reads[0]!, path: undefined } : undefined;
}
