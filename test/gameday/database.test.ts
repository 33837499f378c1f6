/**
 * A game day's databases on the shared PostgreSQL (the world's, opsbook's store with --store
 * postgres): made for the run, dropped after it, their commits not waiting for the WAL flush.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, DEFAULT_PG_ADMIN_URL, type GameDayDatabase } from '../../src/gameday/services.js';
import { createScratchDatabase } from '../../src/store/index.js';

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
  }, 60_000);
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
