/**
 * A runbook's `psql` line gives its SQL with `-c`, often grouped with other short options
 * (`psql -Atc "…"`, `psql -qAtX -c "…"`): opsbook finds the SQL in each, and runs it natively
 * against the real PostgreSQL, instead of calling the line an interactive session.
 */
import { describe, expect, it } from 'vitest';
import type { Command } from '../../../runbooks/index.js';
import { postgresUp, PG_ADMIN_URL } from '../../../../test/support/services.js';
import { bindSql, runSql, sqlOf } from './index.js';

const of = (text: string) => sqlOf({ text } as Command);
const pgAvailable = await postgresUp();

describe('the SQL of a psql line', () => {
  it('finds -c grouped with other short options, or after options that take a value', () => {
    expect(of('psql -Atc "SELECT 1"')).toEqual({ sql: 'SELECT 1' });
    expect(of('psql -qAtX -c "SELECT 2"')).toEqual({ sql: 'SELECT 2' });
    expect(of('psql -tA -U postgres -d app -c "SELECT 3"')).toEqual({ sql: 'SELECT 3' });
    expect(of('sudo -u postgres psql -Atc "SELECT 5"')).toEqual({ sql: 'SELECT 5' });
    expect(of('psql -c "SELECT 6"')).toEqual({ sql: 'SELECT 6' });
  });

  it('reads backslashes as the shell does: quoted identifiers inside double quotes, an escaped blank outside', () => {
    expect(of('psql -c "SELECT \\"Name\\" FROM t WHERE note = \'a\\b\'"')).toEqual({ sql: 'SELECT "Name" FROM t WHERE note = \'a\\b\'' });
    expect(of('psql -c "SELECT \\$1, \\\\"')).toEqual({ sql: 'SELECT $1, \\' });
    expect(of('psql -Atc select\\ 4')).toEqual({ sql: 'select 4' });
    expect(of("psql -c 'SELECT \\\"x\\\"'")).toEqual({ sql: 'SELECT \\"x\\"' });
  });

  it('does not take another option\'s value for the SQL, and still refuses a file or a session', () => {
    expect(of('psql -d -c')).toEqual({ why: 'psql without -c opens an interactive session: run it in a terminal' });
    expect(of('psql -Atf check.sql')).toEqual({ why: 'psql runs SQL from check.sql, which opsbook cannot see' });
    expect(of('psql -h db -U ops app')).toEqual({ why: 'psql without -c opens an interactive session: run it in a terminal' });
  });

  it.skipIf(!pgAvailable)('runs the SQL of `psql -Atc` against PostgreSQL, a quoted identifier in it', async () => {
    const found = of('psql -Atc "SELECT 40 + 2 AS \\"Answer\\""');
    if (!('sql' in found)) throw new Error(found.why);
    const out = await runSql(PG_ADMIN_URL, bindSql(found.sql, new Map()), true, { timeoutMs: 60_000, signal: new AbortController().signal });
    expect(out.status).toBe('ok');
    expect(out.stdout).toContain(' 42');
    expect(out.stdout).toContain('Answer');
  });
});
