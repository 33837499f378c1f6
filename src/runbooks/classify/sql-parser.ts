import { createRequire } from 'node:module';

/**
 * libpg-query, the real PostgreSQL parser, loaded when first needed rather than at import: it
 * compiles a 1.7 MB WASM module (tens of ms at every start), and most runbook SQL is read by the
 * plain reader (`sql-plain.ts`) without it, so `opsbook validate` and a daemon start over runbooks
 * like that never load it. Its module loads asynchronously, once per process; every parse after is
 * synchronous (about 0.1 ms).
 */

const require = createRequire(import.meta.url);

interface LibPgQuery {
  loadModule(): Promise<void>;
  parseSync(sql: string): unknown;
}

let parse: ((sql: string) => unknown) | undefined;
let loading: Promise<void> | undefined;

/** SQL needed the PostgreSQL parser before it was loaded: `await loadSqlParser()`, then classify again. */
export class SqlParserNotLoaded extends Error {
  constructor() {
    super('the PostgreSQL parser (libpg-query) is not loaded: await loadSqlParser() before classifying this SQL (readRunbook does)');
    this.name = 'SqlParserNotLoaded';
  }
}

/** Loads the parser; later calls return the same promise. */
export function loadSqlParser(): Promise<void> {
  loading ??= (async () => {
    const lib = require('libpg-query') as LibPgQuery;
    await lib.loadModule();
    parse = (sql) => lib.parseSync(sql);
  })();
  return loading;
}

/**
 * The parser's synchronous parse, or SqlParserNotLoaded. The WASM module is one per process: one
 * another importer of libpg-query has loaded answers too (a parse that works is the only sign of it
 * the library gives).
 */
export function sqlParse(): (sql: string) => unknown {
  if (parse) return parse;
  const lib = require('libpg-query') as LibPgQuery;
  try {
    lib.parseSync('SELECT 1');
  } catch {
    throw new SqlParserNotLoaded();
  }
  parse = (sql) => lib.parseSync(sql);
  return parse;
}
