import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { seriesKey } from '../alerts/series.js';
import type { AlertEvent } from '../alerts/types.js';
import type { Actor } from '../identity/index.js';
import { openStore, type Store } from '../store/index.js';
import { createMigratedTestDatabase, placeMigratedSqlite } from '../../test/support/migrated-database.js';

/** A migrated store: SQLite in a temp dir, or a fresh PostgreSQL database (tests only). */
export async function testStore(kind: 'sqlite' | 'postgres' = 'sqlite'): Promise<{ store: Store; cleanup: () => Promise<void> }> {
  if (kind === 'postgres') {
    const tdb = await createMigratedTestDatabase('opsbook_incidents');
    const store = await openStore({ url: tdb.url });
    await store.migrate();
    return { store, cleanup: async () => { await store.close(); await tdb.drop(); } };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-incidents-'));
  placeMigratedSqlite(path.join(dir, 'opsbook.db'));
  const store = await openStore({ url: path.join(dir, 'opsbook.db') });
  await store.migrate();
  return { store, cleanup: async () => { await store.close(); fs.rmSync(dir, { recursive: true, force: true }); } };
}

/** An alert event as a rule would emit it (tests only). */
export function alert(
  kind: 'firing' | 'resolved',
  ruleId: string,
  labels: Record<string, string>,
  at: number,
  extra: Partial<AlertEvent> = {},
): AlertEvent {
  return {
    kind, ruleId, dedupKey: seriesKey(ruleId, labels), labels, annotations: { summary: `${ruleId} on ${labels.service ?? '?'}` },
    severity: 'P1', at, ...extra,
  };
}

export const ana: Actor = { name: 'ana', role: 'responder', via: 'cli' };
export const MINUTE = 60_000;
export const HOUR = 3_600_000;
