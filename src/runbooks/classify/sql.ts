import type { Effect } from '../model.js';
import { combine, verdict, worse, type Verdict } from './effect.js';
import { own } from '../../lib/own.js';
import { plainSqlFailure, readPlainSql, type PlainSqlStatement } from './sql-plain.js';
import { speedups } from '../speedups.js';
import { sqlParse } from './sql-parser.js';

/**
 * Functions that change the server although they are called from a SELECT. Their effect, and
 * the reason shown to the responder.
 */
const DANGEROUS_FUNCTIONS: Record<string, [Effect, string]> = {
  pg_terminate_backend: ['destructive', 'pg_terminate_backend ends sessions (their open transactions roll back)'],
  pg_cancel_backend: ['write', 'pg_cancel_backend cancels running queries'],
  pg_drop_replication_slot: ['destructive', 'pg_drop_replication_slot drops a replication slot'],
  lo_unlink: ['destructive', 'lo_unlink deletes a large object'],
  pg_reload_conf: ['write', 'pg_reload_conf reloads the server configuration'],
  pg_rotate_logfile: ['write', 'pg_rotate_logfile rotates the server log'],
  pg_switch_wal: ['write', 'pg_switch_wal forces a WAL segment switch'],
  pg_promote: ['write', 'pg_promote promotes a standby to primary'],
  pg_create_restore_point: ['write', 'pg_create_restore_point writes a restore point'],
  pg_create_physical_replication_slot: ['write', 'creates a replication slot'],
  pg_create_logical_replication_slot: ['write', 'creates a replication slot'],
  pg_wal_replay_pause: ['write', 'pauses WAL replay on a standby'],
  pg_wal_replay_resume: ['write', 'resumes WAL replay on a standby'],
  pg_stat_reset: ['write', 'pg_stat_reset clears statistics'],
  pg_stat_statements_reset: ['write', 'pg_stat_statements_reset clears query statistics'],
  pg_advisory_lock: ['write', 'takes an advisory lock'],
  setval: ['write', 'setval changes a sequence'],
  nextval: ['write', 'nextval advances a sequence'],
  set_config: ['write', 'set_config changes a setting'],
  dblink_exec: ['unknown', 'dblink_exec runs SQL on another server'],
};

type Json = unknown;

/** Every function name called anywhere inside a parse tree node. */
function functionNames(node: Json, out: string[] = []): string[] {
  if (Array.isArray(node)) {
    for (const n of node) functionNames(n, out);
  } else if (node !== null && typeof node === 'object') {
    const rec = node as Record<string, Json>;
    const call = rec.FuncCall as { funcname?: { String?: { sval?: string } }[] } | undefined;
    if (call?.funcname) {
      const last = call.funcname[call.funcname.length - 1]?.String?.sval;
      if (last) out.push(last.toLowerCase());
    }
    for (const v of Object.values(rec)) functionNames(v, out);
  }
  return out;
}

function selectVerdict(stmt: Record<string, Json>, keyword: string): Verdict {
  const parts: Verdict[] = [verdict('read', `${keyword} only reads`, 'sql')];
  for (const fn of new Set(functionNames(stmt))) {
    const danger = own(DANGEROUS_FUNCTIONS, fn);
    if (danger) parts.push(verdict(danger[0], danger[1], 'sql'));
  }
  if (stmt.intoClause) parts.push(verdict('write', 'SELECT INTO creates a table', 'sql'));
  if (stmt.lockingClause) parts.push(verdict('write', 'SELECT … FOR UPDATE locks rows', 'sql'));
  const out = combine(parts, 'sql');
  if (out.effect !== 'read') out.reasons = out.reasons.filter((r) => !r.endsWith('only reads'));
  return out;
}

/** Classify one parsed statement node (`{ SelectStmt: {...} }`). */
function statementVerdict(node: Record<string, Json>): Verdict {
  const [type, body] = Object.entries(node)[0] ?? ['', {}];
  const stmt = (body ?? {}) as Record<string, Json>;
  switch (type) {
    case 'SelectStmt':
      return selectVerdict(stmt, 'SELECT');
    case 'VariableShowStmt':
      return verdict('read', 'SHOW only reads a setting', 'sql');
    case 'ExplainStmt': {
      const analyze = JSON.stringify(stmt.options ?? []).includes('"defname":"analyze"');
      const inner = statementVerdict((stmt.query ?? {}) as Record<string, Json>);
      if (!analyze) return verdict('read', 'EXPLAIN only plans the query', 'sql');
      if (inner.effect === 'read') return verdict('read', 'EXPLAIN ANALYZE runs a query that only reads', 'sql');
      return { ...inner, effect: worse(inner.effect, 'write'), reasons: ['EXPLAIN ANALYZE executes the statement', ...inner.reasons] };
    }
    case 'InsertStmt':
      return verdict('write', 'INSERT adds rows', 'sql');
    case 'UpdateStmt':
      return stmt.whereClause
        ? verdict('write', 'UPDATE … WHERE changes matching rows', 'sql')
        : verdict('destructive', 'UPDATE without WHERE changes every row', 'sql');
    case 'DeleteStmt':
      return stmt.whereClause
        ? verdict('destructive', 'DELETE removes rows', 'sql')
        : verdict('destructive', 'DELETE without WHERE removes every row', 'sql');
    case 'TruncateStmt':
      return verdict('destructive', 'TRUNCATE removes every row', 'sql');
    case 'VacuumStmt':
      return verdict('write', stmt.is_vacuumcmd ? 'VACUUM rewrites tables and takes locks' : 'ANALYZE rewrites planner statistics', 'sql');
    case 'ReindexStmt':
      return verdict('write', 'REINDEX rebuilds indexes and takes locks', 'sql');
    case 'IndexStmt':
      return verdict('write', 'CREATE INDEX builds an index', 'sql');
    case 'ClusterStmt':
      return verdict('write', 'CLUSTER rewrites a table', 'sql');
    case 'CheckPointStmt':
      return verdict('write', 'CHECKPOINT forces a checkpoint', 'sql');
    case 'LockStmt':
      return verdict('write', 'LOCK takes a table lock', 'sql');
    case 'VariableSetStmt':
      return verdict('write', 'SET changes a setting', 'sql');
    case 'TransactionStmt': {
      // A read runs in a read-only transaction on a read-only session; READ WRITE is the one way out.
      const readWrite = ((stmt.options ?? []) as Json[]).some((o) => {
        const def = (o as { DefElem?: { defname?: string; arg?: { A_Const?: { ival?: { ival?: number } } } } }).DefElem;
        return def?.defname === 'transaction_read_only' && !def.arg?.A_Const?.ival?.ival;
      });
      return readWrite ? verdict('write', 'READ WRITE opens a transaction that can write', 'sql') : verdict('read', 'transaction control', 'sql');
    }
    case 'CopyStmt':
      return stmt.is_from ? verdict('write', 'COPY FROM loads rows', 'sql') : verdict('read', 'COPY TO only reads', 'sql');
    case 'AlterTableStmt': {
      const drops = JSON.stringify(stmt.cmds ?? []).includes('AT_Drop');
      return drops ? verdict('destructive', 'ALTER TABLE … DROP removes a column or constraint', 'sql') : verdict('write', 'ALTER TABLE changes a table', 'sql');
    }
    case 'DoStmt':
    case 'CallStmt':
      return verdict('unknown', `${type === 'DoStmt' ? 'DO' : 'CALL'} runs procedural code opsbook cannot see into`, 'sql');
    case 'CreatedbStmt': {
      const name = typeof stmt.dbname === 'string' ? stmt.dbname : '';
      return { ...verdict('write', 'CREATE DATABASE adds a database', 'sql'), ...(name ? { createsDatabase: name } : {}) };
    }
    default:
      if (/^Drop/.test(type)) return verdict('destructive', `${sqlKeyword(type)} removes an object`, 'sql');
      if (/^(Create|Alter|Grant|Rename|Comment|Refresh|Reassign|Sec)/.test(type)) return verdict('write', `${sqlKeyword(type)} changes the schema`, 'sql');
      return verdict('unknown', `${sqlKeyword(type)} is a statement opsbook does not classify`, 'sql');
  }
}

/** `DropdbStmt` → `DROP DATABASE`, `CreateStmt` → `CREATE`. */
function sqlKeyword(type: string): string {
  if (type === 'DropdbStmt') return 'DROP DATABASE';
  return type.replace(/Stmt$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
}

export interface SqlStatement {
  text: string;
  /** 0-based line offset of the statement inside the given SQL text. */
  lineOffset: number;
  verdict: Verdict;
}

/**
 * Split SQL into statements and classify each with the real PostgreSQL parser. Text that does not
 * parse yields one `unknown` statement naming the parser's complaint. SQL the plain reader does not
 * read needs the parser loaded (see `sql-parser.ts`): SqlParserNotLoaded otherwise.
 */
export function classifySql(sql: string): SqlStatement[] {
  const plain = speedups().plainSql ? plainStatements(sql) : undefined;
  if (plain) return plain;
  const known = speedups().plainSql ? plainSqlFailure(sql) : undefined;
  if (known !== undefined) return unparsed(sql, known);
  // Outside the try: a parser not loaded is not SQL that does not parse.
  const parse = sqlParse();
  let tree: { stmts?: { stmt: Record<string, Json>; stmt_location?: number; stmt_len?: number }[] };
  try {
    tree = parse(sql) as typeof tree;
  } catch (e) {
    return unparsed(sql, e instanceof Error ? e.message : String(e));
  }
  const out: SqlStatement[] = [];
  // Locations are byte offsets into the UTF-8 text.
  const bytes = Buffer.from(sql, 'utf8');
  for (const s of tree.stmts ?? []) {
    const start = s.stmt_location ?? 0;
    const end = s.stmt_len ? start + s.stmt_len : bytes.length;
    const raw = bytes.subarray(start, end).toString('utf8');
    const lead = raw.length - raw.trimStart().length;
    const prefix = bytes.subarray(0, start).toString('utf8');
    out.push({ text: raw.trim(), lineOffset: countLines(prefix + raw.slice(0, lead), prefix.length + lead), verdict: statementVerdict(s.stmt) });
  }
  return out;
}

/** SQL that does not parse: one `unknown` statement naming the parser's complaint. */
function unparsed(sql: string, message: string): SqlStatement[] {
  const trimmed = sql.trim();
  const lead = sql.length - sql.trimStart().length;
  return trimmed ? [{ text: trimmed, lineOffset: countLines(sql, lead), verdict: verdict('unknown', `SQL does not parse: ${message}`, 'sql') }] : [];
}

/** The tree nodes the verdict reads, for a statement `readPlainSql` understood. */
function plainNode(s: PlainSqlStatement): Record<string, Json> {
  switch (s.kind) {
    case 'select':
      return { SelectStmt: { targetList: s.functions.map((f) => ({ FuncCall: { funcname: [{ String: { sval: f } }] } })) } };
    case 'create-index':
      return { IndexStmt: {} };
    case 'vacuum':
      return { VacuumStmt: { is_vacuumcmd: true } };
    case 'analyze':
      return { VacuumStmt: {} };
    case 'reindex':
      return { ReindexStmt: {} };
    case 'show':
      return { VariableShowStmt: {} };
  }
}

/**
 * Plain SQL classified without libpg-query (see `sql-plain.ts`), or undefined. A statement calling
 * two dangerous functions is left to the parser: the order of their reasons is the tree's.
 */
function plainStatements(sql: string): SqlStatement[] | undefined {
  const stmts = readPlainSql(sql);
  if (!stmts || stmts.some((s) => new Set(s.functions.filter((f) => own(DANGEROUS_FUNCTIONS, f))).size > 1)) return undefined;
  return stmts.map((s) => ({ text: s.text, lineOffset: s.lineOffset, verdict: plainVerdict(s) }));
}

/**
 * `statementVerdict` of a plain statement's tree. A SELECT's is read straight from its function
 * names: it calls one dangerous function at most (see `plainStatements`), whose verdict replaces
 * "SELECT only reads".
 */
function plainVerdict(s: PlainSqlStatement): Verdict {
  if (s.kind !== 'select') return statementVerdict(plainNode(s));
  for (const f of s.functions) {
    const danger = own(DANGEROUS_FUNCTIONS, f);
    if (danger) return verdict(danger[0], danger[1], 'sql');
  }
  return verdict('read', 'SELECT only reads', 'sql');
}

function countLines(text: string, upTo: number): number {
  let n = 0;
  for (let i = 0; i < upTo && i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

/** One verdict for a whole SQL text (e.g. the argument of `psql -c`). */
export function sqlVerdict(sql: string): Verdict {
  const stmts = classifySql(sql);
  if (stmts.length === 0) return verdict('read', 'empty SQL', 'sql');
  return combine(stmts.map((s) => s.verdict), 'sql');
}
