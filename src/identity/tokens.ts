import { createHash, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../lib/clock.js';
import { OpsbookError } from '../lib/errors/index.js';
import { newId, randomSecret } from '../lib/ids.js';
import {
  withAuditEntry,
  findTokenByHash,
  findTokenById,
  insertToken,
  listTokens,
  revokeToken,
  touchToken,
  type ApiTokenRow,
  type Store,
} from '../store/index.js';
import { roleAllows, type Actor } from './roles.js';
import { findUser, type UserRecord } from './users.js';

/** Tokens carry a recognisable prefix so secret scanners can find leaked ones. */
export const TOKEN_PREFIX = 'opsb_';

/** How stale `last_used_at` may get: a token's use is written at most this often. */
const TOUCH_EVERY_MS = 60_000;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface CreatedToken {
  id: string;
  /** Shown once; only its SHA-256 is stored. */
  token: string;
  user: string;
  name: string;
}

export interface TokenDeps {
  store: Store;
  clock: Clock;
  users: readonly UserRecord[];
}

/** Creates a token for `user`. An admin may create for anyone; others only for themselves. */
export async function createToken(deps: TokenDeps, actor: Actor, user: string, name = 'default'): Promise<CreatedToken> {
  findUser(deps.users, user);
  if (actor.name !== user && !roleAllows(actor.role, 'admin')) {
    throw new OpsbookError('OPSBOOK_E_FORBIDDEN', `${actor.name} (${actor.role}) may create tokens only for themselves`);
  }
  const now = deps.clock.now();
  const id = newId('tok', now);
  const token = `${TOKEN_PREFIX}${randomSecret(32)}`;
  await withAuditEntry(
    deps.store.db,
    deps.store.dialect,
    (trx) =>
      insertToken(trx, {
    id,
    user_name: user,
    name,
    token_hash: hashToken(token),
    created_at: now,
    created_by: actor.name,
    last_used_at: null,
    revoked_at: null,
        revoked_by: null,
      }),
    { at: now, actor: actor.name, action: 'token.create', subject: `token:${id}`, details: { user, name } },
  );
  return { id, token, user, name };
}

/** Resolves a presented token to its actor; unknown, revoked or orphaned tokens are refused. */
export async function authenticateToken(deps: TokenDeps, presented: string): Promise<Actor> {
  const row = await findTokenByHash(deps.store.db, hashToken(presented));
  // The lookup is by hash, so timing reveals nothing about the token; compare anyway for clarity.
  if (!row || !timingSafeEqual(Buffer.from(row.token_hash), Buffer.from(hashToken(presented))) || row.revoked_at !== null) {
    throw new OpsbookError('OPSBOOK_E_AUTH_INVALID', 'token is unknown or revoked');
  }
  const user = deps.users.find((u) => u.name === row.user_name);
  if (!user) throw new OpsbookError('OPSBOOK_E_AUTH_INVALID', `token belongs to "${row.user_name}", who is no longer configured`);
  const now = deps.clock.now();
  // Recording use is a write; once a minute per token is enough to answer "is it still used?". The
  // request does not wait for it: while another process holds a SQLite store's write lock, a read
  // would otherwise wait with the write and be refused with it. A touch that fails is tried again
  // at the token's next use.
  if (row.last_used_at === null || now - row.last_used_at >= TOUCH_EVERY_MS) touchToken(deps.store.db, row.id, now).catch(() => {});
  return { name: user.name, role: user.role, via: 'token' };
}

export type TokenInfo = Omit<ApiTokenRow, 'token_hash'>;

/** Tokens, without their hashes: an admin's of `user` (or everyone's), anyone else's their own. `userPath`: where the caller took `user` from, for a refusal's location. */
export async function listTokenInfo(deps: TokenDeps, actor: Actor, user?: string, userPath = 'user'): Promise<TokenInfo[]> {
  const filter = roleAllows(actor.role, 'admin') ? user : actor.name;
  const rows = await listTokens(deps.store.db, filter ? { user: filter } : {});
  // A name typed wrong would list none, as if that person had no token; a removed person's tokens still list.
  if (rows.length === 0 && filter !== undefined && !deps.users.some((u) => u.name === filter)) {
    const known = deps.users.map((u) => u.name).join(', ') || 'none configured';
    throw new OpsbookError('OPSBOOK_E_USER_UNKNOWN', `no user named "${filter}" in users: (known: ${known}), and no token of theirs`, { location: { path: userPath } });
  }
  return rows.map(({ token_hash: _hash, ...info }) => info);
}

export async function revokeTokenById(deps: TokenDeps, actor: Actor, id: string): Promise<void> {
  const row = await findTokenById(deps.store.db, id);
  if (!row) throw new OpsbookError('OPSBOOK_E_TOKEN_UNKNOWN', `no token with id ${id}`);
  if (row.user_name !== actor.name && !roleAllows(actor.role, 'admin')) {
    throw new OpsbookError('OPSBOOK_E_FORBIDDEN', `${actor.name} (${actor.role}) may revoke only their own tokens`);
  }
  const now = deps.clock.now();
  await withAuditEntry(
    deps.store.db,
    deps.store.dialect,
    async (trx) => {
      if (!(await revokeToken(trx, id, now, actor.name))) throw new OpsbookError('OPSBOOK_E_TOKEN_UNKNOWN', `token ${id} is already revoked`);
    },
    { at: now, actor: actor.name, action: 'token.revoke', subject: `token:${id}`, details: { user: row.user_name } },
  );
}
