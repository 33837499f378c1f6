import { openStore } from './open.js';
import { createScratchDatabase, type ScratchDatabase } from './scratch.js';

/**
 * A scratch database (scratch.ts) with opsbook's schema migrated into it: what a template of
 * opsbook's store is made from (the game days' and the test suite's, each copied per world or test).
 * Dropped again when the migration fails.
 */
export async function createMigratedDatabase(adminUrl: string, name: string): Promise<ScratchDatabase> {
  const db = await createScratchDatabase(adminUrl, name);
  try {
    const store = await openStore({ url: db.url, poolSize: 1 });
    try {
      await store.migrate();
    } finally {
      await store.close();
    }
    return db;
  } catch (e) {
    await db.drop().catch(() => {});
    throw e;
  }
}
