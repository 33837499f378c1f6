/**
 * A SQL step whose result is larger than a transcript keeps (a `SELECT *` on a big table at 3 a.m.):
 * opsbook keeps rows up to its output limit and says how many it left out, instead of holding
 * every row in memory — or failing outright on the formatting of a few hundred thousand rows. The
 * statement runs against the real PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import { postgresUp, PG_ADMIN_URL } from '../../../../test/support/services.js';
import { MAX_OUTPUT_BYTES } from '../output.js';
import { bindSql, runSql } from './index.js';
import { formatRows } from './format.js';
import { scaled } from '../../../../test/support/timing.js';

const pgAvailable = await postgresUp();
const run = (sql: string) => runSql(PG_ADMIN_URL, bindSql(sql, new Map()), true, { timeoutMs: 120_000, signal: new AbortController().signal });

describe.skipIf(!pgAvailable)('a SQL step with a large result', () => {
  it('keeps rows up to the output limit and says how many it left out', async () => {
    // 300,000 rows of ~110 bytes: about 33 MB as text, twice the limit.
    const out = await run(`SELECT g AS n, repeat('x', 100) AS pad FROM generate_series(1, 300000) g`);
    expect(out.stderr).toBe('');
    expect(out.status).toBe('ok');
    expect(Buffer.byteLength(out.stdout)).toBeLessThanOrEqual(MAX_OUTPUT_BYTES);
    const footer = out.stdout.trimEnd().split('\n').at(-1)!;
    const shown = Number(/^\(300000 rows; the first (\d+) shown/.exec(footer)?.[1]);
    expect(footer).toMatch(/^\(300000 rows; the first \d+ shown, the rest past the 16 MiB output limit\)$/);
    expect(shown).toBeGreaterThan(100_000);
    expect(shown).toBeLessThan(300_000);
    // The rows shown are the first ones, in order.
    expect(out.stdout.split('\n')[2]).toMatch(/^ 1 +\| x{100}$/);
    expect(out.data).toMatchObject({ rowCount: 300000 });
  }, scaled(180_000));

  it('keeps every row of a result within the limit, and each statement of several', async () => {
    const out = await run(`SELECT g AS n FROM generate_series(1, 3) g; SELECT 'a' AS letter`);
    expect(out.status).toBe('ok');
    expect(out.stdout).toBe(' n\n---\n 1\n 2\n 3\n(3 rows)\n\n letter\n--------\n a\n(1 row)\n');
  });

  it('formats a few hundred thousand rows without overflowing the stack', () => {
    const rows = Array.from({ length: 300_000 }, (_, i) => ({ n: i }));
    expect(formatRows(['n'], rows).split('\n').at(-2)).toBe('(300000 rows)');
  });
});
