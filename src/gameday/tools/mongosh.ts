/**
 * The game-day world's `mongosh`: a runbook's `mongosh "URL" --eval "CODE"` really connects, with the
 * `mongodb` driver, to the MongoDB the URL names and runs the read the code stands for, printing
 * what mongosh prints (`{ ok: 1 }`) and failing as mongosh fails (`MongoServerSelectionError: connect
 * ECONNREFUSED …`, `MongoNetworkTimeoutError: … timed out`, exit 1). It does not run JavaScript: it
 * knows the shell forms runbooks use for reads (db.adminCommand('ping'), db.runCommand({…: 1}),
 * rs.status(), db.serverStatus(), db.hello()); anything else, and every change (rs.stepDown()), is
 * refused with exit 1 and what it does know.
 */
import { inspect } from 'node:util';
import type { Document } from 'mongodb';
import type { ToolResult } from './result.js';

/** Read-only server commands the world's mongosh sends (the safety classification calls them reads too). */
const READ_COMMANDS = new Set(['ping', 'hello', 'isMaster', 'ismaster', 'serverStatus', 'replSetGetStatus', 'buildInfo', 'connectionStatus', 'hostInfo']);

/** Shell helpers and the command each sends (mongosh's own definitions). */
const HELPERS: Record<string, Document> = {
  'rs.status': { replSetGetStatus: 1 },
  'db.serverStatus': { serverStatus: 1 },
  'db.hello': { hello: 1 },
  'db.isMaster': { isMaster: 1 },
  'rs.isMaster': { isMaster: 1 },
  'rs.hello': { hello: 1 },
  'db.version': { buildInfo: 1 },
};

const KNOWN = "db.adminCommand('ping'), db.adminCommand({ serverStatus: 1 }), db.runCommand({ hello: 1 }), rs.status(), db.serverStatus(), db.hello()";

/** The command an `--eval` expression sends, or why the world's mongosh does not run it. */
export function mongoshCommand(code: string): { command: Document } | { refused: string } {
  const expr = code.trim().replace(/;$/, '').trim();
  const helper = /^((?:db|rs)\.\w+)\(\s*\)$/.exec(expr);
  if (helper && HELPERS[helper[1]!]) return { command: HELPERS[helper[1]!]! };
  const call = /^db\.(?:getSiblingDB\(\s*['"]admin['"]\s*\)\.)?(adminCommand|runCommand)\(\s*(?:'(\w+)'|"(\w+)"|\{\s*['"]?(\w+)['"]?\s*:\s*(?:1|true)\s*\})\s*\)$/.exec(expr);
  const name = call ? (call[2] ?? call[3] ?? call[4])! : undefined;
  if (name && READ_COMMANDS.has(name)) return { command: { [name]: 1 } };
  if (name) return { refused: `${name} is not a read this world's mongosh sends (it sends ${[...READ_COMMANDS].join(', ')})` };
  if (/\bstepDown\b|\bfreeze\b|\breconfig\b|\bshutdownServer\b|\.(insert|update|delete|remove|drop|create)\w*\(/.test(expr)) {
    return { refused: `${expr} changes the database: the world's mongosh runs reads only (${KNOWN})` };
  }
  return { refused: `cannot evaluate ${JSON.stringify(expr)}: the world's mongosh knows ${KNOWN}` };
}

/** `mongodb://...`, `mongodb://<host>`: the runbook elides the connection string. */
const ELIDED = /^mongodb(\+srv)?:\/\/(\.\.\.|<[^>]*>|\[[^\]]*\]|\$\{?\w+\}?)/;

const fail = (stderr: string): ToolResult => ({ code: 1, stdout: '', stderr: stderr.endsWith('\n') ? stderr : `${stderr}\n` });

/**
 * Runs `mongosh [URL] --eval CODE [--quiet] [--json[=relaxed|canonical]]`. An elided URL is the
 * application's own connection string, `MONGO_URI` in the step's environment (the runbook sets it
 * with `kubectl set env … MONGO_URI=…`); options in it (serverSelectionTimeoutMS, socketTimeoutMS)
 * are honoured as mongosh honours them.
 */
export async function mongosh(args: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<ToolResult> {
  let url: string | undefined;
  let code: string | undefined;
  let json: 'relaxed' | 'canonical' | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--eval') code = args[++i];
    else if (a.startsWith('--eval=')) code = a.slice(7);
    else if (a === '--quiet' || a === '--norc' || a === '--nodb') continue;
    else if (a === '--json' || a.startsWith('--json=')) json = a.endsWith('=canonical') ? 'canonical' : 'relaxed';
    else if (/^mongodb(\+srv)?:\/\//.test(a)) url = a;
    else return fail(`mongosh (game-day world): option ${a} is not modelled (it takes a mongodb:// URL, --eval, --quiet, --json)`);
  }
  if (code === undefined) return fail('mongosh (game-day world): no --eval: an interactive shell is for a person');
  const planned = mongoshCommand(code);
  if ('refused' in planned) return fail(`mongosh (game-day world): ${planned.refused}`);
  if (url === undefined || ELIDED.test(url)) {
    url = env.MONGO_URI;
    if (!url) return fail('mongosh (game-day world): the runbook elides the connection string ("mongodb://..."): set MONGO_URI, the application\'s connection string, in the service\'s shell env');
  }
  const { MongoClient, BSON } = await import('mongodb');
  let client: InstanceType<typeof MongoClient> | undefined;
  try {
    client = new MongoClient(url, { appName: 'mongosh' });
    await client.connect();
    const reply = await client.db('admin').command(planned.command);
    const text = json ? BSON.EJSON.stringify(reply, undefined, 2, { relaxed: json === 'relaxed' }) : inspect(reply, { depth: 8, breakLength: 80 });
    return { code: 0, stdout: `${text}\n`, stderr: '' };
  } catch (e) {
    const err = e as Error;
    return fail(`${err.name}: ${err.message}`);
  } finally {
    await client?.close().catch(() => undefined);
  }
}
