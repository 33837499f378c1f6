import type { Connection, RowDataPacket } from 'mysql2/promise';
import { performance } from 'node:perf_hooks';
import type { CheckKind, Observation } from '../../types.js';
import { errorText } from '../shared/observe-http.js';
import { mysqlSchema, type MysqlOptions } from './schema.js';

function asValue(v: unknown): unknown {
  // DECIMAL and BIGINT arrive as text; conditions compare them as numbers.
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.getTime();
  return v;
}

/**
 * Connects, reads the version and connection counts, and runs `SELECT 1` or the configured query
 * in a read-only session and transaction, with the server's own statement limit set to the check's
 * timeout (max_statement_time on MariaDB, max_execution_time on MySQL) so a slow probe query is
 * stopped on the server too, not only abandoned by opsbook.
 */
export const mysqlKind: CheckKind<MysqlOptions> = {
  ...mysqlSchema,
  run: async (config, ctx): Promise<Observation> => {
    const started = performance.now();
    let conn: Connection | undefined;
    const onAbort = (): void => conn?.destroy();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const url = config.url.replace(/^mariadb:/, 'mysql:');
    const values: Observation['values'] = { CONNECTED: false };
    try {
      // The driver is loaded on the first run, not when the config loads: commands that never probe stay fast to start.
      const mysql = (await import('mysql2/promise')).default;
      conn = await mysql.createConnection({ uri: url, connectTimeout: ctx.timeoutMs, supportBigNumbers: true });
      if (ctx.signal.aborted) conn.destroy();
      values.CONNECTED = true;
      const [info] = await conn.query<RowDataPacket[]>(
        "SELECT VERSION() AS version, @@max_connections AS max_connections, (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'THREADS_CONNECTED') AS connections",
      );
      const version = String(info[0]?.version ?? '');
      values.VERSION = version;
      values.MAX_CONNECTIONS = asValue(info[0]?.max_connections);
      values.CONNECTIONS = asValue(info[0]?.connections);
      const seconds = Math.max(0.001, ctx.timeoutMs / 1000);
      await conn.query(
        /mariadb/i.test(version)
          ? `SET SESSION max_statement_time = ${seconds}`
          : `SET SESSION max_execution_time = ${Math.max(1, Math.floor(ctx.timeoutMs))}`,
      );
      if (config.status) {
        const [rows] = await conn.query<RowDataPacket[]>('SHOW GLOBAL STATUS');
        values.STATUS = Object.fromEntries(rows.map((r) => [String(r.Variable_name), asValue(r.Value)]));
      }
      // Session-wide, not only this transaction: DDL commits implicitly and would otherwise run in
      // a fresh read-write transaction.
      await conn.query('SET SESSION TRANSACTION READ ONLY');
      await conn.query('START TRANSACTION READ ONLY');
      const [rows] = await conn.query({ sql: config.query ?? 'SELECT 1', rowsAsArray: true });
      await conn.query('ROLLBACK');
      const list = Array.isArray(rows) ? (rows as unknown[][]) : [];
      const first = asValue(list[0]?.[0]);
      values.ROWS = list.length;
      if (first !== undefined) values.VALUE = first;
      values.RESPONSE_TIME = Math.round(performance.now() - started);
      return { values, ...(typeof first === 'number' ? { value: first } : {}) };
    } catch (e) {
      return { values, error: errorText(e) };
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      await conn?.end().catch(() => conn?.destroy());
    }
  },
};
