import fc from 'fast-check';
import { loadModule, scanSync } from 'libpg-query';
import { afterEach, describe, expect, it } from 'vitest';
import { setSpeedups } from '../speedups.js';
import { SQL_KEYWORDS } from './sql-keywords.js';
import { plainSqlFailure, readPlainSql } from './sql-plain.js';
import { classifySql } from './sql.js';

await loadModule();

/** What libpg-query's own scanner calls each word: a keyword of some kind, or a plain name. */
function isKeyword(word: string): boolean {
  const { tokens } = scanSync(word) as { tokens: { keywordKind: number }[] };
  return tokens.length === 1 && tokens[0]!.keywordKind !== 0;
}

/** SQL from pieces: the shapes runbooks write, mixed with what the plain reader must leave to libpg-query. */
const sql = ((): fc.Arbitrary<string> => {
  /** Mostly pieces the reader takes, sometimes one it must not. */
  const mix = (good: string[], bad: string[]): fc.Arbitrary<string> => fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...good) }, { weight: 1, arbitrary: fc.constantFrom(...bad) });
  const name = mix(['state', 'query', 'pid', 'datname', 'pg_stat_activity', 'x', 'calls', 'usename', 'epoch', 'status'], ['name', 'user', 'order', 'value', 'level', 'abort', 'select', 'from', 'day']);
  const fn = mix(['count', 'now', 'pg_terminate_backend', 'pg_cancel_backend', 'pg_size_pretty', 'setval', 'pg_reload_conf'], ['coalesce', 'left', 'lag']);
  const literal = mix(['1', '10', '1.5', "'idle'", "'it''s'", "'5 minutes'", 'true', 'null', "interval '5 minutes'"], ['1e5', '0x1f', '.5', '5minutes', "E'x'", "'a' 'b'", "'a'\n'b'", "interval '1' day", '$1', '"Name"', 'é']);
  const op = mix(['=', '<>', '!=', '<', '>', '<=', '>=', '+', '-', '*', '/', '%', 'AND', 'OR', ' - -'], ['||', '::', '=-', '~', '--', 'IS', 'and not']);
  const { expr } = fc.letrec<{ expr: string }>((tie) => ({
    expr: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      literal,
      name,
      fc.tuple(name, name).map(([a, b]) => `${a}.${b}`),
      fc.tuple(fn, fc.oneof(fc.constant('*'), fc.constant(''), tie('expr'), fc.tuple(tie('expr'), tie('expr')).map(([a, b]) => `${a}, ${b}`))).map(([f, a]) => `${f}(${a})`),
      fc.tuple(tie('expr'), op, tie('expr')).map(([a, o, b]) => `${a} ${o} ${b}`),
      fc.tuple(tie('expr'), mix([' IS NULL', ' IS NOT NULL', ' IS TRUE'], [' IS NULL IS NULL', ' OVER ()', '::text'])).map(([a, s]) => a + s),
      tie('expr').map((a) => `NOT ${a}`),
      tie('expr').map((a) => `-${a}`),
      tie('expr').map((a) => `(${a})`),
      tie('expr').map((a) => `EXTRACT(EPOCH FROM ${a})`),
      fc.tuple(name, tie('expr')).map(([t, w]) => `(SELECT ${t} FROM ${t} WHERE ${w})`),
    ),
  }));
  const target = fc.oneof(fc.constant('*'), expr, fc.tuple(expr, name).map(([e, a]) => `${e} AS ${a}`), fc.tuple(expr, name).map(([e, a]) => `${e} ${a}`));
  const select = fc
    .tuple(
      fc.array(target, { minLength: 1, maxLength: 3 }),
      fc.option(fc.tuple(name, fc.option(name)).map(([t, a]) => ` FROM ${t}${a ? ` ${a}` : ''}`)),
      fc.option(expr.map((e) => `\nWHERE ${e}`)),
      fc.option(name.map((n) => ` GROUP BY ${n}`)),
      fc.option(fc.tuple(expr, fc.constantFrom('', ' DESC', ' ASC', ' NULLS LAST')).map(([e, d]) => `\nORDER BY ${e}${d}`)),
      fc.option(fc.constantFrom(' LIMIT 10', ' LIMIT ALL', ' LIMIT x', ' LIMIT 5 OFFSET 2', ' FOR UPDATE', ' INTO t')),
    )
    .map(([ts, from, where, group, order, limit]) => `SELECT ${ts.join(', ')}${from ?? ''}${where ?? ''}${group ?? ''}${order ?? ''}${limit ?? ''}`);
  const other = fc.oneof(
    fc.tuple(fc.constantFrom('', 'CONCURRENTLY '), name, name, name).map(([c, i, t, col]) => `CREATE INDEX ${c}${i} ON ${t}(${col})`),
    fc.constantFrom('VACUUM', 'VACUUM ANALYZE', 'VACUUM FULL', 'VACUUM ANALYZE users', 'ANALYZE', 'ANALYZE users', 'ANALYSE', 'REINDEX DATABASE app', 'REINDEX TABLE users', 'REINDEX DATABASE', 'REINDEX', 'SHOW max_connections', 'SHOW ALL', 'SHOW name', 'EXPLAIN ANALYZE <q>', 'DELETE FROM t'),
  );
  const statement = fc.oneof({ weight: 3, arbitrary: select }, { weight: 1, arbitrary: other });
  const gap = fc.constantFrom(';', ';\n', ';\n\n-- next\n', ' ;', ';;', '\n', ' -- note\n;', '; /* c */ ');
  return fc
    .tuple(fc.constantFrom('', '-- check\n', '\n  ', '/* c */'), statement, fc.array(fc.tuple(gap, statement), { maxLength: 2 }), fc.constantFrom('', ';', ';\n-- end', '\n'))
    .map(([lead, first, rest, end]) => lead + first + rest.map(([g, s]) => g + s).join('') + end);
})();

describe('the plain-SQL reader', () => {
  afterEach(() => setSpeedups({ plainSql: true }));

  it('knows the keywords libpg-query knows', () => {
    expect(SQL_KEYWORDS.size).toBeGreaterThan(450);
    for (const w of SQL_KEYWORDS) expect(isKeyword(w), w).toBe(true);
    for (const w of ['state', 'query', 'pid', 'datname', 'usename', 'calls', 'status', 'pg_stat_activity', 'now', 'count', 'epoch', 'lag']) {
      expect(SQL_KEYWORDS.has(w), w).toBe(false);
      expect(isKeyword(w), w).toBe(false);
    }
  });

  it('classifies whatever it accepts exactly as libpg-query does, and accepts nothing libpg-query rejects', () => {
    let accepted = 0;
    let left = 0;
    fc.assert(
      fc.property(sql, (text) => {
        if (!readPlainSql(text)) {
          left++;
          return;
        }
        accepted++;
        setSpeedups({ plainSql: false });
        const parsed = classifySql(text);
        setSpeedups({ plainSql: true });
        expect(parsed.some((s) => s.verdict.reasons.some((r) => r.startsWith('SQL does not parse')))).toBe(false);
        expect(classifySql(text)).toEqual(parsed);
      }),
      { numRuns: 5_000 },
    );
    // Both sides exercised: a reader that took nothing would pass otherwise. The reader takes about
    // 300 of the 5,000 random texts (a binomial count, standard deviation under 20): a bound of 300
    // failed by chance (297); 100 is far below any draw and far above a side left unexercised.
    expect(accepted).toBeGreaterThan(100);
    expect(left).toBeGreaterThan(100);
  });

  it('takes the statements runbooks are made of', () => {
    for (const text of [
      "SELECT count(*) as connections, state\nFROM pg_stat_activity\nWHERE datname = 'app'\nGROUP BY state;",
      "-- Kill idle connections\nSELECT pg_terminate_backend(pid)\nFROM pg_stat_activity\nWHERE state = 'idle'\n    AND now() - state_change > interval '5 minutes';",
      'SELECT client_addr, EXTRACT(EPOCH FROM (now() - pg_last_xact_replay_timestamp())) AS lag_seconds\nFROM pg_stat_replication;',
      'CREATE INDEX CONCURRENTLY idx_projects_status ON projects(status);',
      'VACUUM ANALYZE;\n\n-- Reindex if needed\nREINDEX DATABASE app;\n\n-- Update statistics\nANALYZE;',
      'SELECT * FROM t\nWHERE tenant_id = (SELECT id FROM d WHERE company_id = 7)\nORDER BY started_at DESC;',
    ]) {
      expect(readPlainSql(text), text).toBeDefined();
      setSpeedups({ plainSql: false });
      const parsed = classifySql(text);
      setSpeedups({ plainSql: true });
      expect(classifySql(text), text).toEqual(parsed);
    }
  });

  it('knows libpg-query rejects an EXPLAIN of a placeholder, in libpg-query words', () => {
    const shapes = ['EXPLAIN ANALYZE <slow_query>;', '-- Check query performance after optimization\nEXPLAIN ANALYZE <optimized_query>;', 'explain <q>', 'EXPLAIN ANALYSE VERBOSE <query.text>;\n', '\n  EXPLAIN\n  ANALYZE <q> ;  '];
    for (const text of shapes) {
      expect(plainSqlFailure(text), text).toBeDefined();
      setSpeedups({ plainSql: false });
      const parsed = classifySql(text);
      setSpeedups({ plainSql: true });
      expect(parsed[0]!.verdict.effect).toBe('unknown');
      expect(classifySql(text), text).toEqual(parsed);
    }
    for (const text of ['EXPLAIN ANALYZE <q>; SELECT 1;', 'EXPLAIN SELECT <q>', 'EXPLAIN (ANALYZE) <q>', 'EXPLAIN ANALYZE <q> /* c */', 'SELECT a <b> c']) expect(plainSqlFailure(text), text).toBeUndefined();
  });

  it('leaves keywords as names, chained comparisons, casts, window functions, joins and quoted names to libpg-query', () => {
    for (const text of ['SELECT name FROM t', 'SELECT a = b = c', 'SELECT x::text', 'SELECT lag(x) OVER (ORDER BY y) FROM t', 'SELECT * FROM a JOIN b ON a.id = b.id', 'SELECT "Name" FROM t', 'EXPLAIN ANALYZE <slow_query>;', "SELECT 'a'\n'b'", 'SELECT 1e5', 'SELECT * FROM t FOR UPDATE']) {
      expect(readPlainSql(text), text).toBeUndefined();
    }
  });
});
