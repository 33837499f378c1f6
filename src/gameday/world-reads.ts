import pg from 'pg';
import type { Scenario } from './spec.js';

export type WorldRead = Scenario['expect']['world'][number];

export interface WorldReadResult {
  read: WorldRead;
  ok: boolean;
  /** Rows as psql -At prints them (columns joined by |), or the error. */
  output: string;
}

/** The world's database URL a read names: the primary (`${GAMEDAY_PG_URL}`) or its replica. */
function urlFor(on: WorldRead['on'], env: Record<string, string>): string | undefined {
  return on === 'replica' ? env.GAMEDAY_PG_REPLICA_URL : env.GAMEDAY_PG_URL;
}

/**
 * Reads the game day makes of the world itself, where the runbook's own query cannot show the
 * fault's value (it runs on a server where the figure is always NULL): read-only transactions.
 */
export async function runWorldReads(reads: readonly WorldRead[], env: Record<string, string>): Promise<WorldReadResult[]> {
  const out: WorldReadResult[] = [];
  for (const read of reads) {
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
    if (!r.ok) return [`world read on the ${r.read.on} "${r.read.sql}" failed: ${r.output}`];
    if (!r.output.trim()) return [`world read on the ${r.read.on} "${r.read.sql}" printed nothing: no evidence`];
    return new RegExp(r.read.output, 'm').test(r.output) ? [] : [`world read on the ${r.read.on} "${r.read.sql}" printed ${JSON.stringify(r.output.split('\n')[0])}, expected /${r.read.output}/`];
  });
}

/** Once mended, evidence reads no longer print their value. */
export function checkWorldEvidenceGone(results: readonly WorldReadResult[]): string[] {
  return results.flatMap((r) =>
    r.read.evidence && r.ok && new RegExp(r.read.output, 'm').test(r.output)
      ? [`world read on the ${r.read.on} "${r.read.sql}" still prints /${r.read.output}/ after the world was mended (${JSON.stringify(r.output.split('\n')[0])}): not evidence of the fault`]
      : [],
  );
}
