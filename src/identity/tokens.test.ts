import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../lib/clock.js';
import { openStore, listAudit, type Store } from '../store/index.js';
import { authenticateToken, createToken, hashToken, listTokenInfo, revokeTokenById, type TokenDeps } from './index.js';
import type { Actor } from './roles.js';

const users = [
  { name: 'ana', role: 'admin' as const },
  { name: 'bo', role: 'responder' as const },
  { name: 'cy', role: 'viewer' as const },
];
const ana: Actor = { name: 'ana', role: 'admin', via: 'cli' };
const cy: Actor = { name: 'cy', role: 'viewer', via: 'cli' };

describe('API tokens', () => {
  let dir: string;
  let store: Store;
  let deps: TokenDeps;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-tokens-'));
    store = await openStore({ url: path.join(dir, 'opsbook.db') });
    await store.migrate();
    deps = { store, clock: new SimulatedClock('2026-03-01T00:00:00Z'), users };
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('authenticates a created token as its user with that user’s role', async () => {
    const created = await createToken(deps, ana, 'bo', 'ci');
    expect(created.token).toMatch(/^opsb_[A-Za-z0-9_-]{40,}$/);
    await expect(authenticateToken(deps, created.token)).resolves.toEqual({ name: 'bo', role: 'responder', via: 'token' });
  });

  it('refuses a revoked token and an unknown one', async () => {
    const created = await createToken(deps, ana, 'bo');
    await revokeTokenById(deps, ana, created.id);
    await expect(authenticateToken(deps, created.token)).rejects.toMatchObject({ code: 'OPSBOOK_E_AUTH_INVALID' });
    await expect(authenticateToken(deps, `${created.token}x`)).rejects.toMatchObject({ code: 'OPSBOOK_E_AUTH_INVALID' });
  });

  it('stores only the SHA-256: the token is nowhere in the database file', async () => {
    const created = await createToken(deps, ana, 'ana');
    const rows = await store.db.selectFrom('api_tokens').selectAll().execute();
    expect(rows[0]?.token_hash).toBe(hashToken(created.token));
    await store.close();
    const bytes = Buffer.concat(
      fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f))),
    ).toString('latin1');
    expect(bytes).not.toContain(created.token);
    expect(bytes).not.toContain(created.token.slice(5, 30));
    store = await openStore({ url: path.join(dir, 'opsbook.db') });
  });

  it('lets a viewer create tokens only for themselves', async () => {
    await expect(createToken(deps, cy, 'bo')).rejects.toMatchObject({ code: 'OPSBOOK_E_FORBIDDEN' });
    await expect(createToken(deps, cy, 'cy')).resolves.toMatchObject({ user: 'cy' });
  });

  it('lists tokens without their hashes and records every change in the audit log', async () => {
    const t = await createToken(deps, ana, 'bo', 'grafana');
    await revokeTokenById(deps, ana, t.id);
    const list = await listTokenInfo(deps, ana);
    expect(list).toHaveLength(1);
    expect(list[0]).not.toHaveProperty('token_hash');
    expect(list[0]?.revoked_by).toBe('ana');
    const audit = await listAudit(store.db, { subject: `token:${t.id}` });
    expect(audit.map((a) => [a.actor, a.action])).toEqual([['ana', 'token.create'], ['ana', 'token.revoke']]);
  });

  it('refuses a list of the tokens of a user who is not configured and has none, and lists a removed user’s', async () => {
    await expect(listTokenInfo(deps, ana, 'zed')).rejects.toMatchObject({ code: 'OPSBOOK_E_USER_UNKNOWN', message: expect.stringMatching(/^no user named "zed" in users: \(known: .*\), and no token of theirs$/) });
    // A person taken out of users: whose tokens are still stored: an admin finds them to revoke.
    const kept = await createToken(deps, ana, 'bo', 'ci');
    const without = { ...deps, users: deps.users.filter((u) => u.name !== 'bo') };
    expect((await listTokenInfo(without, ana, 'bo')).map((t) => t.id)).toContain(kept.id);
  });

  it('names an unknown user', async () => {
    await expect(createToken(deps, ana, 'zed')).rejects.toMatchObject({ code: 'OPSBOOK_E_USER_UNKNOWN', message: expect.stringContaining('zed') });
  });
});
