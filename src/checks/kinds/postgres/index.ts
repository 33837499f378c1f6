import { performance } from 'node:perf_hooks';
import type { CheckKind, Observation } from '../../types.js';
import { errorText } from '../shared/observe-http.js';
import { postgresSchema, type PostgresOptions } from './schema.js';

function asValue(v: unknown): unknown {
  // numeric and bigint arrive as text from pg; conditions compare them as numbers.
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  if (v instanceof Date) return v.getTime();
  return v;
}

/**
 * Connects and runs `SELECT 1`, or the configured query (one statement), inside `BEGIN READ ONLY` with
 * `SET LOCAL statement_timeout` at the check's timeout, so a probe can neither write nor hold the
 * database longer than one interval. Examples: replication lag in seconds, connections / max_connections.
 */
export const postgresKind: CheckKind<PostgresOptions> = {
  ...postgresSchema,
  run: async (config, ctx): Promise<Observation> => {
    // Loaded on the first run: validating a config or starting the CLI needs no driver.
    const { default: pg } = await import('pg');
    const started = performance.now();
    const client = new pg.Client({
      connectionString: config.url,
      connectionTimeoutMillis: ctx.timeoutMs,
      application_name: 'opsbook-check',
    });
    client.on('error', () => {
      // A connection lost mid-query surfaces as the query's rejection.
    });
    const onAbort = (): void => void client.end().catch(() => {});
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    let connected = false;
    try {
      await client.connect();
      connected = true;
      // Both statements in one message, one round trip: they are the check's own text, never the config's.
      await client.query(`BEGIN READ ONLY; SET LOCAL statement_timeout = ${Math.max(1, Math.floor(ctx.timeoutMs))}`);
      // The extended protocol takes one statement: with the simple one, `ROLLBACK; DELETE …` in the
      // config would end the read-only transaction and write.
      // (pg reads `queryMode`; its type declarations do not list it yet.)
      const query: import('pg').QueryArrayConfig & { queryMode: 'extended' } = { text: config.query ?? 'SELECT 1', rowMode: 'array', queryMode: 'extended' };
      const r = await client.query(query);
      await client.query('ROLLBACK');
      const first = asValue((r.rows[0] as unknown[] | undefined)?.[0]);
      const values: Observation['values'] = { CONNECTED: true, ROWS: r.rows.length, RESPONSE_TIME: Math.round(performance.now() - started) };
      if (first !== undefined) values.VALUE = first;
      return { values, ...(typeof first === 'number' ? { value: first } : {}) };
    } catch (e) {
      return { values: { CONNECTED: connected }, error: errorText(e) };
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      await client.end().catch(() => {});
    }
  },
};
