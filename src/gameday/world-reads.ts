import pg from 'pg';
import type { Scenario } from './spec.js';

export type WorldRead = Scenario['expect']['world'][number];

export interface WorldReadResult {
  read: WorldRead;
  ok: boolean;
  /** Rows as psql -At prints them (columns joined by |), the log lines, or the error. */
  output: string;
}

/** The last `tail` lines the application's current process wrote to its log. */
export type AppLog = (tail: number) => string[];

/** Where a read looks, in words: `primary`, `replica`, `app log`. */
export function readPlace(read: WorldRead): string {
  return 'sql' in read ? read.on : 'app log';
}

function readText(read: WorldRead): string {
  return 'sql' in read ? read.sql : `tail -${read.app_log.tail} | grep -E '${read.app_log.grep}'`;
}

/** The world's database URL a read names: the primary (`${GAMEDAY_PG_URL}`) or its replica. */
function urlFor(on: 'primary' | 'replica', env: Record<string, string>): string | undefined {
  return on === 'replica' ? env.GAMEDAY_PG_REPLICA_URL : env.GAMEDAY_PG_URL;
}

/**
 * Reads the game day makes of the world itself, where the runbook's own query cannot show the
 * fault's value (it runs on a server where the figure is always NULL): read-only transactions.
 */
export async function runWorldReads(reads: readonly WorldRead[], env: Record<string, string>, appLog?: AppLog): Promise<WorldReadResult[]> {
  const out: WorldReadResult[] = [];
  for (const read of reads) {
    if ('app_log' in read) {
      if (!appLog) {
        out.push({ read, ok: false, output: 'the world keeps no application log' });
        continue;
      }
      const grep = new RegExp(read.app_log.grep);
      out.push({ read, ok: true, output: appLog(read.app_log.tail).filter((l) => grep.test(l)).join('\n') });
      continue;
    }
    const url = urlFor(read.on, env);
    if (!url) {
      out.push({ read, ok: false, output: `the world has no ${read.on} (postgres: { replica: true } in gameday.yaml)` });
      continue;
    }
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
    c.on('error', () => {});
    try {
      await c.connect();
      await c.query('SET default_transaction_read_only = on');
      const r = await c.query({ text: read.sql, rowMode: 'array' });
      out.push({ read, ok: true, output: (r.rows as unknown[][]).map((row) => row.map((v) => (v === null ? '' : String(v))).join('|')).join('\n') });
    } catch (e) {
      out.push({ read, ok: false, output: (e as Error).message });
    } finally {
      await c.end().catch(() => {});
    }
  }
  return out;
}

/** Each read ran and printed its value. */
export function checkWorldReads(results: readonly WorldReadResult[]): string[] {
  return results.flatMap((r) => {
    const what = `world read on the ${readPlace(r.read)} "${readText(r.read)}"`;
    if (!r.ok) return [`${what} failed: ${r.output}`];
    if (!r.output.trim()) return [`${what} printed nothing: no evidence`];
    return new RegExp(r.read.output, 'm').test(r.output) ? [] : [`${what} printed ${JSON.stringify(r.output.split('\n')[0])}, expected /${r.read.output}/`];
  });
}

/** Once mended, evidence reads no longer print their value. */
export function checkWorldEvidenceGone(results: readonly WorldReadResult[]): string[] {
  return results.flatMap((r) =>
    r.read.evidence && r.ok && new RegExp(r.read.output, 'm').test(r.output)
      ? [`world read on the ${readPlace(r.read)} "${readText(r.read)}" still prints /${r.read.output}/ after the world was mended (${JSON.stringify(r.output.split('\n')[0])}): not evidence of the fault`]
      : [],
  );
}
