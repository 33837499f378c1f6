import { randomSecret } from '../../lib/ids.js';
import { OpsbookError } from '../../lib/errors/index.js';
import type { Store } from '../../store/index.js';
import { beatHeartbeat, ensureHeartbeat, readHeartbeat } from '../../store/repos/heartbeats.js';
import type { HeartbeatReader } from '../types.js';

/**
 * Heartbeat URLs are `POST /api/heartbeats/<token>`. The token is 24 random bytes made when the
 * heartbeat check is first registered and kept in the store: unguessable, needs no secret in the
 * config, and is rotated by deleting the row. `opsbook check list` prints each URL.
 */
export async function registerHeartbeat(store: Store, checkId: string, at: number): Promise<string> {
  return (await ensureHeartbeat(store.db, checkId, at, () => randomSecret(24))).token;
}

/** Records a beat (the daemon's route calls this); throws OPSBOOK_E_HEARTBEAT_UNKNOWN for a bad token. */
export async function recordHeartbeat(store: Store, token: string, at: number, failed = false): Promise<string> {
  const checkId = await beatHeartbeat(store.db, token, at, failed);
  if (checkId === undefined) throw new OpsbookError('OPSBOOK_E_HEARTBEAT_UNKNOWN', 'no heartbeat check has this URL token');
  return checkId;
}

export function heartbeatReader(store: Store): HeartbeatReader {
  return { lastBeat: (checkId) => readHeartbeat(store.db, checkId) };
}
