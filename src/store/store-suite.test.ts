/**
 * The same store suite on SQLite and on PostgreSQL (a fresh database per run on the real server).
 */
import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openStore, knownMigrations } from './index.js';
import { appendAudit, auditHead, entryHash, GENESIS_HASH, listAudit } from './repos/audit.js';
import { findTokenByHash, insertToken, listTokens, revokeToken } from './repos/tokens.js';
import { describeOnStores } from '../../test/support/store-targets.js';

await describeOnStores('opsbook-store', 'store', {}, (target) => {
  it('applies every migration on first start and none on the second (idempotent)', async () => {
    const first = await target.store.migrate();
    expect(first.applied).toEqual(knownMigrations());
    const second = await target.store.migrate();
    expect(second.applied).toEqual([]);
    expect(second.current).toEqual(knownMigrations());
    expect((await target.store.migrationStatus()).pending).toEqual([]);
  });

  it('survives being reopened: data and migration state persist', async () => {
    await insertToken(target.store.db, {
      id: 'tok_reopen', user_name: 'ana', name: 'ci', token_hash: 'h-reopen', created_at: 1_700_000_000_000,
      created_by: 'ana', last_used_at: null, revoked_at: null, revoked_by: null,
    });
    await target.reopen();
    expect((await target.store.migrate()).applied).toEqual([]);
    const row = await findTokenByHash(target.store.db, 'h-reopen');
    expect(row?.created_at).toBe(1_700_000_000_000);
    expect(typeof row?.created_at).toBe('number');
  });

  it('finds tokens by hash, lists them per user and revokes once', async () => {
    await insertToken(target.store.db, {
      id: 'tok_b', user_name: 'bo', name: 'grafana', token_hash: 'h-b', created_at: 2, created_by: 'admin',
      last_used_at: null, revoked_at: null, revoked_by: null,
    });
    expect((await listTokens(target.store.db, { user: 'bo' })).map((t) => t.id)).toEqual(['tok_b']);
    expect(await revokeToken(target.store.db, 'tok_b', 10, 'admin')).toBe(true);
    expect(await revokeToken(target.store.db, 'tok_b', 11, 'admin')).toBe(false);
    expect((await findTokenByHash(target.store.db, 'h-b'))?.revoked_at).toBe(10);
    expect(await findTokenByHash(target.store.db, 'nope')).toBeUndefined();
  });

  it('rejects a second token with the same hash', async () => {
    const row = {
      id: 'tok_dup1', user_name: 'bo', name: 'x', token_hash: 'h-dup', created_at: 3, created_by: 'bo',
      last_used_at: null, revoked_at: null, revoked_by: null,
    };
    await insertToken(target.store.db, row);
    await expect(insertToken(target.store.db, { ...row, id: 'tok_dup2' })).rejects.toThrow();
  });

  it('chains audit entries: each holds the hash of the one before', async () => {
    const a = await appendAudit(target.store.db, target.store.dialect, { at: 100, actor: 'ana', action: 'token.create', subject: 'token:tok_b' });
    const b = await appendAudit(target.store.db, target.store.dialect, { at: 101, actor: 'bo', action: 'token.revoke', subject: 'token:tok_b', details: { why: 'leak' } });
    expect(a.prev_hash).toBe(GENESIS_HASH);
    expect(b.prev_hash).toBe(a.hash);
    expect(b.seq).toBe(a.seq + 1);
    const { prev_hash: _p, hash: _h, ...rest } = b;
    expect(b.hash).toBe(entryHash(a.hash, rest));
    expect(await auditHead(target.store.db)).toEqual({ seq: b.seq, hash: b.hash });
    expect((await listAudit(target.store.db, { subject: 'token:tok_b' })).map((e) => e.action)).toEqual(['token.create', 'token.revoke']);
  });

  it('keeps the chain linear under concurrent appends', async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => appendAudit(target.store.db, target.store.dialect, { at: 200 + i, actor: 'load', action: 'x', subject: 's' })),
    );
    const all = await listAudit(target.store.db);
    for (let i = 1; i < all.length; i++) {
      expect(all[i]!.seq).toBe(all[i - 1]!.seq + 1);
      expect(all[i]!.prev_hash).toBe(all[i - 1]!.hash);
    }
  });

  it('answers ping', async () => {
    await expect(target.store.ping()).resolves.toBeUndefined();
    const r = await sql<{ one: number }>`select 1 as one`.execute(target.store.db);
    expect(Number(r.rows[0]?.one)).toBe(1);
  });
});

describe('openStore errors', () => {
  it('names the location when PostgreSQL cannot be reached', async () => {
    await expect(openStore({ url: 'postgres://postgres@127.0.0.1:1/none' })).rejects.toMatchObject({
      code: 'OPSBOOK_E_STORE_UNAVAILABLE',
      message: expect.stringContaining('127.0.0.1:1'),
    });
  });
});
