import type pg from 'pg';
import type { Command } from '../../../runbooks/index.js';
import { paramKey, type ParamValues } from '../../params.js';
import { parseShell, ShellSyntaxError } from '../../shell-syntax.js';
import { PSQL_VALUE_LETTERS, splitShortOptions, takesValue } from '../../../lib/short-options.js';
import type { Executor, ExecutorOutcome, NotRunnable, PrepareContext, PreparedCommand, RunOptions } from '../types.js';
import { KILL_GRACE_MS } from '../shell/process.js';
import { MAX_OUTPUT_BYTES } from '../output.js';
import { cell, formatRows } from './format.js';

/** `'<name>'` or `<name>` in SQL: a value the person gives, sent as a bind parameter. */
const SQL_PLACEHOLDER = /'<([A-Za-z][\w.-]*)>'|<([A-Za-z][\w.-]*)>/g;

export interface BoundSql {
  text: string;
  values: string[];
  /** The statement with values shown in place, for the transcript. */
  display: string;
  missing: string[];
}

/** Turns placeholders into `$1, $2 …`; values are never part of the SQL text. */
export function bindSql(sql: string, params: ParamValues): BoundSql {
  const values: string[] = [];
  const index = new Map<string, number>();
  const missing: string[] = [];
  const quote = (v: string): string => `'${v.replace(/'/g, "''")}'`;
  let display = sql;
  const text = sql.replace(SQL_PLACEHOLDER, (whole, a: string | undefined, b: string | undefined) => {
    const name = (a ?? b)!;
    const v = params.get(paramKey(name));
    if (!v) {
      missing.push(`<${name}>`);
      return whole;
    }
    let n = index.get(paramKey(name));
    if (n === undefined) {
      values.push(v.value);
      n = values.length;
      index.set(paramKey(name), n);
    }
    return `$${n}`;
  });
  display = sql.replace(SQL_PLACEHOLDER, (whole, a: string | undefined, b: string | undefined) => {
    const v = params.get(paramKey((a ?? b)!));
    return v ? quote(v.value) : whole;
  });
  return { text, values, display, missing };
}

/** The SQL of a command: the statement itself, or the `-c` of a `psql -c "…"` line. */
export function sqlOf(command: Command): { sql: string } | { why: string } {
  const text = command.text.trim();
  if (!/^(sudo\s+(-u\s+\S+\s+)?)?psql\b/.test(text)) return /^\\/.test(text) ? { why: `${text.split(/\s/)[0]} is a psql meta-command: run it in psql` } : { sql: text };
  let words: string[];
  try {
    const statements = parseShell(text.replace(/<([A-Za-z][\w.-]*)>/g, '@$1@'));
    if (statements.length !== 1 || statements[0]!.calls.length !== 1) return { why: 'psql inside a pipeline or with other commands: run it in a terminal' };
    words = statements[0]!.calls[0]!.words.map((w) => w.value.replace(/@([A-Za-z][\w.-]*)@/g, '<$1>'));
  } catch (e) {
    if (e instanceof ShellSyntaxError) return { why: `the psql line is not valid shell: ${e.message}` };
    throw e;
  }
  for (let i = 0; i < words.length; i++) {
    // Short options given together (`psql -Atc "…"`, `-qAtX -c`) are read one by one; a value is never split.
    const split = splitShortOptions(words[i]!, PSQL_VALUE_LETTERS);
    if (split.length > 1) words.splice(i, 1, ...split);
    const w = words[i]!;
    if (w === '-c' || w === '--command') return words[i + 1] !== undefined ? { sql: words[i + 1]! } : { why: 'psql -c without SQL' };
    if (w.startsWith('--command=')) return { sql: w.slice('--command='.length) };
    if (w === '-f' || w === '--file') return { why: `psql runs SQL from ${words[i + 1] ?? 'a file'}, which opsbook cannot see` };
    // Another option's value (`-d -c`) is not the SQL.
    if (takesValue(w, PSQL_VALUE_LETTERS)) i++;
  }
  return { why: 'psql without -c opens an interactive session: run it in a terminal' };
}

// The driver loads with the first SQL step, not with every module that can plan one.
const loadPg = async (): Promise<typeof pg> => (await import('pg')).default;

async function cancelBackend(url: string, pid: number): Promise<void> {
  const c = new (await loadPg()).Client({ connectionString: url, application_name: 'opsbook-cancel', connectionTimeoutMillis: 5000, query_timeout: 5000 });
  c.on('error', () => {});
  try {
    await c.connect();
    await c.query('SELECT pg_cancel_backend($1)', [pid]);
  } catch {
    // The statement timeout on the server ends it anyway.
  } finally {
    await c.end().catch(() => {});
  }
}

/**
 * Runs one statement. `read` statements run inside `BEGIN READ ONLY` (rolled back), on a session
 * whose transactions are all read-only, so a misclassified statement fails instead of writing; every statement has a server-side
 * statement_timeout; a cancel or timeout also asks the server to cancel it.
 */
export async function runSql(url: string, bound: BoundSql, readOnly: boolean, options: RunOptions): Promise<ExecutorOutcome> {
  const client = new (await loadPg()).Client({ connectionString: url, application_name: 'opsbook', connectionTimeoutMillis: Math.min(options.timeoutMs, 30_000) });
  // A connection lost mid-statement (a failover, a reset) surfaces as the statement's rejection; unheard,
  // the client's 'error' event would end the process.
  client.on('error', () => {});
  let ended: 'timeout' | 'cancelled' | undefined;
  let pid: number | undefined;
  let dropTimer: NodeJS.Timeout | undefined;
  const stop = (why: 'timeout' | 'cancelled'): void => {
    if (ended) return;
    ended = why;
    if (pid !== undefined) void cancelBackend(url, pid);
    // A server that stopped answering (a frozen host, a partition) never reports the cancel, and
    // statement_timeout cannot reach it: the connection is closed after the grace, which ends the step.
    dropTimer = setTimeout(() => void client.end().catch(() => {}), pid === undefined ? 0 : KILL_GRACE_MS);
  };
  const timer = setTimeout(() => stop('timeout'), options.timeoutMs);
  const onAbort = (): void => stop('cancelled');
  options.signal.addEventListener('abort', onAbort, { once: true });
  if (options.signal.aborted) onAbort();
  try {
    await client.connect();
    // A read's session is read-only, not only its transaction: a `ROLLBACK` or `COMMIT` in the step's own
    // text ends that transaction, and what follows it runs in a new one, read-only too. Set outside any
    // transaction block, in the same round trip as the pid, so no statement of the step can roll it back.
    const first = readOnly ? 'SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY; SELECT pg_backend_pid() AS pid' : 'SELECT pg_backend_pid() AS pid';
    const answered = (await client.query(first)) as unknown as pg.QueryResult<{ pid: number }> | Array<pg.QueryResult<{ pid: number }>>;
    pid = (Array.isArray(answered) ? answered[answered.length - 1]! : answered).rows[0]?.pid;
    if (ended) throw new Error(`${ended} before the statement started`);
    const limit = `SET ${readOnly ? 'LOCAL ' : ''}statement_timeout = ${Math.max(1, Math.floor(options.timeoutMs))}`;
    if (readOnly) await client.query('BEGIN READ ONLY');
    await client.query(limit);
    const { results, kept } = await keptRows(client, (await loadPg()).Query, bound);
    if (readOnly) await client.query('ROLLBACK');
    const stdout = fitted(results.map((r) => ({ result: r, rows: kept.get(r) ?? [] })));
    const last = results[results.length - 1]!;
    return { status: 'ok', exitCode: 0, stdout, stderr: '', data: { rowCount: last.rowCount, command: last.command, rows: (kept.get(last) ?? []).slice(0, 100) } };
  } catch (e) {
    const err = e as Error & { code?: string; position?: string };
    const status = ended ?? 'failed';
    return { status, exitCode: 1, stdout: '', stderr: `ERROR: ${err.message}${err.code ? ` (SQLSTATE ${err.code})` : ''}\n`, data: { sqlstate: err.code } };
  } finally {
    clearTimeout(timer);
    clearTimeout(dropTimer);
    options.signal.removeEventListener('abort', onAbort);
    await client.end().catch(() => {});
  }
}

/**
 * Runs the statement(s), keeping rows only up to what a transcript holds (about MAX_OUTPUT_BYTES as
 * text, over all statements): the server still sends the rest, which are counted, not held. A
 * `SELECT *` on a big table no longer holds every row in the daemon's memory.
 */
async function keptRows(client: pg.Client, Query: typeof pg.Query, bound: BoundSql): Promise<{ results: pg.QueryResult[]; kept: Map<pg.QueryResult, Record<string, unknown>[]> }> {
  const kept = new Map<pg.QueryResult, Record<string, unknown>[]>();
  let bytes = 0;
  const query = new Query({ text: bound.text, values: bound.values });
  // With a row listener, pg does not gather rows itself: each statement's result counts them still.
  query.on('row', (row: Record<string, unknown>, result?: unknown) => {
    if (bytes >= MAX_OUTPUT_BYTES) return;
    const r = result as pg.QueryResult;
    let rows = kept.get(r);
    if (!rows) kept.set(r, (rows = []));
    rows.push(row);
    for (const k in row) bytes += cell(row[k]).length + 3;
  });
  const ended = new Promise<unknown>((resolve, reject) => {
    query.on('end', resolve);
    query.on('error', reject);
  });
  client.query(query);
  const result = await ended;
  return { results: Array.isArray(result) ? (result as pg.QueryResult[]) : [result as pg.QueryResult], kept };
}

/** The results as psql prints them, within MAX_OUTPUT_BYTES: a table whose padding outgrew it loses rows from its end. */
function fitted(results: Array<{ result: pg.QueryResult; rows: Record<string, unknown>[] }>): string {
  const limit = `${MAX_OUTPUT_BYTES / 1024 / 1024} MiB output limit`;
  const text = (shown: number[]) =>
    results
      .map(({ result: r, rows }, i) =>
        r.fields.length > 0
          ? formatRows(r.fields.map((f) => f.name), rows.slice(0, shown[i]), Math.max(r.rowCount ?? 0, rows.length), limit)
          : `${r.command ?? ''}${r.rowCount !== null && r.command !== 'SHOW' ? ` ${r.rowCount}` : ''}\n`,
      )
      .join('\n');
  let shown = results.map((r) => r.rows.length);
  let out = text(shown);
  for (let size = Buffer.byteLength(out); size > MAX_OUTPUT_BYTES; size = Buffer.byteLength(out)) {
    shown = shown.map((n) => Math.floor((n * MAX_OUTPUT_BYTES * 0.95) / size));
    out = text(shown);
  }
  return out;
}

/** SQL steps against the service's PostgreSQL, with bind parameters. */
export const sqlExecutor: Executor = {
  name: 'sql',
  prepare(command: Command, ctx: PrepareContext): PreparedCommand | NotRunnable {
    const sql = sqlOf(command);
    if ('why' in sql) return { executor: 'sql', why: sql.why };
    const service = ctx.service;
    if (!service) return { executor: 'sql', why: 'no service for this procedure: set procedures["FILE#ID"].service or pass --service' };
    const url = service.postgres?.url;
    if (!url) return { executor: 'sql', why: `no postgres url for service ${service.id}: set services[].postgres.url` };
    const bound = bindSql(sql.sql, ctx.params);
    let database = service.id;
    try {
      database = decodeURIComponent(new URL(url).pathname.replace(/^\//, '')) || service.id;
    } catch {
      // Keep the service id as what a confirmation names.
    }
    return {
      executor: 'sql',
      display: bound.display,
      confirmation: database,
      run: (options) => runSql(url, bound, command.effect === 'read', options),
    };
  },
};
