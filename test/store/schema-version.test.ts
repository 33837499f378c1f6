/**
 * Upgrades and downgrades of opsbook's own schema. Migrations are forward-only: a store at any
 * released schema migrates to the latest. A binary that meets a schema newer than it knows refuses,
 * with a coded error naming both versions, rather than running on tables it does not understand.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { knownMigrations, openStore } from '../../src/store/index.js';
import { migrationProvider } from '../../src/store/migrations/index.js';
import { runCli } from '../support/cli.js';
import { storeTargets } from '../support/store-targets.js';
import { postgresUp } from '../support/services.js';

const pgAvailable = await postgresUp();

/** Runs `fn` on every item, at most `limit` at once; rejects with the first failure once all have ended. */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  const ended = await Promise.allSettled(lanes);
  for (const e of ended) if (e.status === 'rejected') throw e.reason;
}

for (const target of storeTargets('schema-version')) {
  describe.skipIf(target.name === 'postgres' && !pgAvailable)(`schema versions on ${target.name}`, () => {
    it('a store at every released schema migrates forward to the latest', async () => {
      const names = knownMigrations();
      // Each schema on a store of its own, four at a time: on PostgreSQL most of the time is the
      // server making and dropping databases, which overlap.
      await eachLimited(names.slice(0, -1), 4, async (at) => {
        const opened = await target.open();
        try {
          const store = await openStore({ url: opened.url });
          try {
            const { error } = await new Migrator({ db: store.db, provider: migrationProvider }).migrateTo(at);
            expect(error).toBeUndefined();
            expect((await store.migrationStatus()).applied.at(-1)).toBe(at);
            const report = await store.migrate();
            expect(report.applied).toEqual(names.slice(names.indexOf(at) + 1));
            expect(report.current).toEqual(names);
          } finally {
            await store.close();
          }
        } finally {
          await opened.cleanup();
        }
      });
    });

    it('refuses a schema newer than this binary knows, naming both versions', async () => {
      const opened = await target.open();
      try {
        const store = await openStore({ url: opened.url });
        try {
          await store.migrate();
          await sql`insert into kysely_migration (name, timestamp) values (${'999999-from-the-future'}, ${new Date().toISOString()})`.execute(store.db);
          const latest = knownMigrations().at(-1)!;
          await expect(store.migrate()).rejects.toMatchObject({ code: 'OPSBOOK_E_STORE_NEWER', message: expect.stringContaining('999999-from-the-future') });
          await expect(store.migrate()).rejects.toMatchObject({ message: expect.stringContaining(latest) });
          await expect(store.migrationStatus()).rejects.toMatchObject({ code: 'OPSBOOK_E_STORE_NEWER' });
        } finally {
          await store.close();
        }
      } finally {
        await opened.cleanup();
      }
    });
  });
}

describe('the CLI on a newer schema', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'schema-newer-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('exits 1 with the coded error and leaves the store as it was', async () => {
    const db = path.join(dir, 'opsbook.db');
    fs.writeFileSync(path.join(dir, 'ops.yaml'), `storage:\n  url: ${db}\nchecks: []\n`);
    const store = await openStore({ url: db });
    await store.migrate();
    await sql`insert into kysely_migration (name, timestamp) values (${'999999-from-the-future'}, ${new Date().toISOString()})`.execute(store.db);
    await store.close();
    const before = fs.readFileSync(db);
    const r = await runCli(['migrate', '--config', path.join(dir, 'ops.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('OPSBOOK_E_STORE_NEWER');
    expect(r.stderr).toContain('999999-from-the-future');
    expect(r.stderr).toContain(knownMigrations().at(-1)!);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const after = await openStore({ url: db });
    const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(after.db);
    await after.close();
    expect(rows.rows.map((r) => r.name)).toEqual([...knownMigrations(), '999999-from-the-future']);
    expect(before.length).toBeGreaterThan(0);
    const served = await runCli(['serve', '--config', path.join(dir, 'ops.yaml'), '--port', '0']);
    expect(served.code).toBe(1);
    expect(served.stderr).toContain('OPSBOOK_E_STORE_NEWER');
    expect(served.stderr).not.toMatch(/\n\s+at /);
  });
});
