import { randomBytes } from 'node:crypto';
import { OpsbookError } from '../lib/errors/index.js';
import { createMigratedDatabase, createScratchDatabase, type ScratchDatabase } from '../store/index.js';
import { recordDatabase } from './faults/leftovers.js';

/**
 * opsbook's store on PostgreSQL for the worlds of a game day (`--store postgres`): one database on
 * the shared server is migrated once, and each world's store starts as a copy of it (CREATE
 * DATABASE … TEMPLATE) — the same schema its daemon would have made, without every world running
 * every migration's DDL on the shared server. The template lives while a world or a holder
 * (runGameDays, for the whole run) uses it, and is dropped with the last.
 */

interface Template {
  users: number;
  /** The template, and the function that forgets its record once it is dropped. */
  making?: Promise<{ db: ScratchDatabase; forget: () => void }>;
}

const templates = new Map<string, Template>();

function entry(adminUrl: string): Template {
  let t = templates.get(adminUrl);
  if (!t) templates.set(adminUrl, (t = { users: 0 }));
  return t;
}

async function makeTemplate(adminUrl: string): Promise<{ db: ScratchDatabase; forget: () => void }> {
  const name = `opsbook_gameday_store_template_${randomBytes(4).toString('hex')}`;
  // Recorded before it exists, so a run killed during the migration leaves nothing the next run's sweep misses.
  const forget = recordDatabase(adminUrl, name);
  try {
    return { db: await createMigratedDatabase(adminUrl, name), forget };
  } catch (e) {
    forget();
    throw e;
  }
}

async function release(adminUrl: string, t: Template): Promise<void> {
  t.users -= 1;
  if (t.users > 0) return;
  if (templates.get(adminUrl) === t) templates.delete(adminUrl);
  const made = await t.making?.catch(() => undefined);
  if (!made) return;
  await made.db.drop();
  made.forget();
}

/** Keeps the store template of `adminUrl` (once made) until the returned function is called. */
export function holdStoreTemplate(adminUrl: string): () => Promise<void> {
  const t = entry(adminUrl);
  t.users += 1;
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    await release(adminUrl, t);
  };
}

/**
 * A fresh store database for one world, `opsbook_gameday_<system>_<hex>`, a copy of the migrated
 * template; `settings` as createScratchDatabase takes them. Its `drop()` also lets the template go.
 */
export async function createStoreDatabase(adminUrl: string, system: string, settings: Record<string, string> = {}): Promise<ScratchDatabase> {
  const t = entry(adminUrl);
  t.users += 1;
  let held = true;
  const letGo = async (): Promise<void> => {
    if (!held) return;
    held = false;
    await release(adminUrl, t);
  };
  try {
    const making = (t.making ??= makeTemplate(adminUrl));
    // A template that could not be made is tried again by the next world rather than remembered.
    making.catch(() => {
      if (t.making === making) t.making = undefined;
    });
    const template = (await making).db.name;
    const name = `opsbook_gameday_${system.replace(/[^a-z0-9]/g, '_')}_${randomBytes(4).toString('hex')}`;
    const db = await createScratchDatabase(adminUrl, name, settings, template);
    return {
      ...db,
      drop: async () => {
        try {
          await db.drop();
        } finally {
          await letGo();
        }
      },
    };
  } catch (e) {
    await letGo().catch(() => {});
    throw new OpsbookError('OPSBOOK_E_GAMEDAY_WORLD', `cannot create opsbook's store database on ${new URL(adminUrl).host}: ${(e as Error).message}`);
  }
}
