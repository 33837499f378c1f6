import type { Effect, Target } from '../model.js';
import { readCallSites, type CallSite } from './call-sites.js';
import { combine, verdict, type Verdict } from './effect.js';

/**
 * Python and JavaScript snippets (a Django shell one-liner, a mongosh `--eval`) are classified by
 * the functions and methods they call. There is no Python parser for Node, so this reads call
 * sites after removing strings and comments; what it cannot name stays `unknown`.
 */
export interface CallTable {
  read: ReadonlySet<string>;
  write: ReadonlySet<string>;
  destructive: ReadonlyMap<string, string>;
  /** Name prefixes that follow a reading convention (`get_`, `list_`…). */
  readPrefixes: RegExp;
  writePrefixes: RegExp;
}

export const PY_STRIP = /("""[\s\S]*?"""|'''[\s\S]*?'''|[rbfu]{0,2}"(?:\\.|[^"\\\n])*"|[rbfu]{0,2}'(?:\\.|[^'\\\n])*'|#[^\n]*)/g;
export const JS_STRIP = /(`(?:\\.|[^`\\])*`|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|\/\/[^\n]*|\/\*[\s\S]*?\*\/)/g;
const KEYWORDS = new Set(['if', 'for', 'while', 'return', 'print', 'assert', 'not', 'and', 'or', 'in', 'elif', 'with', 'lambda', 'yield', 'await', 'function', 'typeof', 'new', 'catch', 'switch']);

/** Where a string or comment may start: text with none of these has nothing for `PY_STRIP` or `JS_STRIP` to take out. */
const PY_STRIP_START = /["'#]/;
const JS_STRIP_START = /[`"'/]/;

/** The code with strings and comments replaced by `""`: only calls and assignments are left to read. */
export function bareCode(code: string, language: 'python' | 'javascript'): string {
  if (language === 'python') return PY_STRIP_START.test(code) ? code.replace(PY_STRIP, '""') : code;
  return JS_STRIP_START.test(code) ? code.replace(JS_STRIP, '""') : code;
}

function callSites(bare: string): { calls: CallSite[]; attributeWrites: string[] } {
  const calls: CallSite[] = [];
  for (const site of readCallSites(bare)) {
    if (!site.method && KEYWORDS.has(site.name) && site.name !== 'print') continue;
    calls.push(site);
  }
  const attributeWrites: string[] = [];
  // An attribute written needs a `.` and an `=`: most snippets only call.
  if (bare.includes('=') && bare.includes('.')) for (const m of bare.matchAll(/(?:^|[\s;])([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)\s*=(?!=)/gm)) attributeWrites.push(m[1]!);
  return { calls, attributeWrites };
}

export function classifyCalls(code: string, language: 'python' | 'javascript', table: CallTable, target: Target, what: string): Verdict {
  const bare = bareCode(code, language);
  const { calls, attributeWrites } = callSites(bare);
  const parts: Verdict[] = [];
  const unknown: string[] = [];
  for (const c of calls) {
    const destructive = table.destructive.get(c.name);
    if (destructive) parts.push(verdict('destructive', destructive, target));
    else if (table.write.has(c.name) || table.writePrefixes.test(c.name)) parts.push(verdict('write', `${c.name}() changes data`, target));
    else if (table.read.has(c.name) || table.readPrefixes.test(c.name)) parts.push(verdict('read', `${what} only reads`, target));
    else if (!unknown.includes(c.name)) unknown.push(c.name);
  }
  for (const a of attributeWrites) parts.push(verdict('write', `sets ${a} on a live object`, target));
  if (unknown.length) parts.push(verdict('unknown', `${what} calls ${unknown.slice(0, 3).map((n) => `${n}()`).join(', ')}, which opsbook does not know`, target));
  if (parts.length === 0) {
    const assigns = /^\s*[A-Za-z_][\w.]*\s*[:=]/m.test(bare);
    return assigns
      ? verdict('unknown', `${what} only sets values: a configuration snippet, applied by hand`, target)
      : verdict('read', `${what} calls nothing`, target);
  }
  const out = combine(parts, target);
  if (out.effect !== 'read') out.reasons = out.reasons.filter((r) => !r.endsWith('only reads'));
  return out;
}

const set = (s: string): ReadonlySet<string> => new Set(s.split(/\s+/).filter(Boolean));

export const PYTHON_CALLS: CallTable = {
  read: set(
    'get filter exclude all count exists first last values values_list aggregate annotate order_by using select_related ' +
      'prefetch_related only defer distinct latest earliest in_bulk iterator print len range sum min max sorted list dict set ' +
      'tuple str int float bool repr format keys items get_many isinstance getattr hasattr enumerate zip round abs now ' +
      'ObjectId Decimal timedelta datetime json loads dumps',
  ),
  write: set(
    'update save create bulk_create bulk_update get_or_create update_or_create set set_many incr decr add touch send delay ' +
      'apply_async execute executemany commit write call_command migrate refresh_from_db',
  ),
  destructive: new Map([
    ['delete', 'delete() removes rows or keys'],
    ['delete_many', 'delete_many() removes keys'],
    ['clear', 'clear() empties the whole cache or collection'],
    ['truncate', 'truncate() removes every row'],
    ['flush', 'flush() removes every row'],
    ['drop', 'drop() removes a table'],
  ]),
  readPrefixes: /^(get_|list_|check_|is_|has_|find_|count_|fetch_|describe_|show_|read_|load_|verify_)/,
  writePrefixes: /^(set_|update_|create_|add_|enqueue|send_|publish|trigger_|start_|stop_|restart_|invalidate_|reset_|apply_)/,
};

export const MONGO_CALLS: CallTable = {
  read: set(
    'find findOne aggregate count countDocuments estimatedDocumentCount distinct getIndexes stats explain sort limit skip ' +
      'toArray pretty status isMaster hello ping serverStatus getCollectionNames listCollections ObjectId ISODate Date ' +
      'printjson print forEach getSiblingDB getCollection conf printReplicationInfo printSecondaryReplicationInfo currentOp ' +
      'getReplicationInfo hostInfo version',
  ),
  write: set(
    'insert insertOne insertMany update updateOne updateMany replaceOne findOneAndUpdate findOneAndReplace createIndex ' +
      'createIndexes reIndex renameCollection bulkWrite stepDown freeze reconfig add addArb initiate killOp createCollection ' +
      'createUser updateUser grantRolesToUser compact',
  ),
  destructive: new Map([
    ['deleteOne', 'deleteOne() removes a document'],
    ['deleteMany', 'deleteMany() removes documents'],
    ['remove', 'remove() removes documents or a replica-set member'],
    ['drop', 'drop() removes a collection'],
    ['dropDatabase', 'dropDatabase() removes a database'],
    ['dropIndex', 'dropIndex() removes an index'],
    ['dropIndexes', 'dropIndexes() removes indexes'],
    ['findOneAndDelete', 'findOneAndDelete() removes a document'],
    ['dropUser', 'dropUser() removes a user'],
  ]),
  readPrefixes: /^(get|list|is|has|print|show)/,
  writePrefixes: /^(set|update|create|add|insert)/,
};

/** adminCommand / runCommand arguments name the command: `{ ping: 1 }`, `'replSetStepDown'`. */
export function mongoCommandEffect(code: string): Effect | undefined {
  const m = /(?:adminCommand|runCommand)\s*\(\s*(?:\{\s*['"]?(\w+)|['"](\w+))/.exec(code);
  const name = m?.[1] ?? m?.[2];
  if (!name) return undefined;
  return /^(ping|serverStatus|replSetGetStatus|listDatabases|buildInfo|hostInfo|getLog|currentOp|dbStats|collStats|isMaster|hello|getParameter|top)$/.test(name)
    ? 'read'
    : 'write';
}
