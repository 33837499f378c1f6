/**
 * A game day's databases on the shared PostgreSQL (the world's, opsbook's store with --store
 * postgres): made for the run, dropped after it, their commits not waiting for the WAL flush.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, DEFAULT_PG_ADMIN_URL, type GameDayDatabase } from '../../src/gameday/services.js';
import { createStoreDatabase, holdStoreTemplate } from '../../src/gameday/store-template.js';
import { createScratchDatabase, knownMigrations } from '../../src/store/index.js';
import { scaled } from '../support/timing.js';

async function reachable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: DEFAULT_PG_ADMIN_URL, connectionTimeoutMillis: 5000 });
  c.on('error', () => {});
  const ok = await c.connect().then(() => true, () => false);
  await c.end().catch(() => {});
  if (!ok && process.env.OPSBOOK_REQUIRE_SERVICES === '1') throw new Error(`PostgreSQL at ${DEFAULT_PG_ADMIN_URL} is not reachable and OPSBOOK_REQUIRE_SERVICES=1`);
  if (!ok) console.warn(`skipping: PostgreSQL at ${DEFAULT_PG_ADMIN_URL} is not reachable`);
  return ok;
}
const available = await reachable();

async function show(url: string, setting: string): Promise<string> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return String((await c.query(`SHOW ${setting}`)).rows[0]![setting]);
  } finally {
    await c.end();
  }
}

describe.skipIf(!available)('a game day’s database', () => {
  let db: GameDayDatabase | undefined;
  beforeAll(async () => {
    db = await createDatabase(DEFAULT_PG_ADMIN_URL, 'settings');
  }, scaled(60_000));
  afterAll(async () => {
    await db?.drop();
  });

  it('does not wait for the WAL flush at commit, in every session', async () => {
    expect(await show(db!.url, 'synchronous_commit')).toBe('off');
  });

  it('refuses a setting that is not a plain name and value, before creating anything', async () => {
    await expect(createScratchDatabase(DEFAULT_PG_ADMIN_URL, 'opsbook_never_made', { "x'; DROP": 'on' })).rejects.toThrow(/not a plain setting/);
    await expect(createScratchDatabase(DEFAULT_PG_ADMIN_URL, 'opsbook_never_made', { synchronous_commit: "off'; --" })).rejects.toThrow(/not a plain setting/);
  });
});

async function rows<T>(url: string, text: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text)).rows as T[];
  } finally {
    await c.end();
  }
}

const templates = async (): Promise<string[]> =>
  (await rows<{ datname: string }>(DEFAULT_PG_ADMIN_URL, "select datname from pg_database where datname like 'opsbook_gameday_store_template_%'")).map((r) => r.datname);

describe.skipIf(!available)('opsbook’s store of a world on PostgreSQL', () => {
  it('is a copy of one migrated template, which goes with its last user', async () => {
    const before = await templates();
    const release = holdStoreTemplate(DEFAULT_PG_ADMIN_URL);
    const a = await createStoreDatabase(DEFAULT_PG_ADMIN_URL, 'template_a', { synchronous_commit: 'off' });
    const b = await createStoreDatabase(DEFAULT_PG_ADMIN_URL, 'template_b');
    try {
      const made = (await templates()).filter((t) => !before.includes(t));
      expect(made).toHaveLength(1);
      for (const db of [a, b]) {
        const applied = await rows<{ name: string }>(db.url, 'select name from kysely_migration order by name');
        expect(applied.map((r) => r.name)).toEqual(knownMigrations());
      }
      expect(await show(a.url, 'synchronous_commit')).toBe('off');
      // Each world its own copy: a row one writes is not in the other.
      await rows(a.url, "insert into check_keys (check_id, created_at) values ('only-in-a', 0)");
      expect(await rows(b.url, "select 1 from check_keys where check_id = 'only-in-a'")).toHaveLength(0);
      await a.drop();
      await b.drop();
      // The run still holds it: the next world copies the same template.
      expect((await templates()).filter((t) => !before.includes(t))).toEqual(made);
    } finally {
      await a.drop();
      await b.drop();
      await release();
    }
    expect((await templates()).filter((t) => !before.includes(t))).toEqual([]);
    const left = await rows<{ datname: string }>(DEFAULT_PG_ADMIN_URL, "select datname from pg_database where datname like 'opsbook_gameday_template_a_%' or datname like 'opsbook_gameday_template_b_%'");
    expect(left).toEqual([]);
  }, scaled(120_000));
});
