/**
 * Actions outside executions that write and audit — creating and revoking an API token, setting a
 * password — commit with their audit entry or not at all: with the audit insert refused by a
 * trigger, the action leaves nothing behind. On a SQLite file and on PostgreSQL.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_LOGIN_LIMITS, LoginThrottle, SessionManager, login, setUserPassword } from '../../src/http/sessions/index.js';
import { createToken, revokeTokenById } from '../../src/identity/index.js';
import { SimulatedClock } from '../../src/lib/clock.js';
import { listAudit, openStore, readPasswordHash, type Store } from '../../src/store/index.js';
import { allowAudit, refuseAudit } from '../support/audit-refusal.js';
import { postgresUp } from '../support/services.js';
import { storeTargets } from '../support/store-targets.js';

const admin = { name: 'ada', role: 'admin' as const, via: 'cli' as const };
const users = [{ name: 'ada', role: 'admin' as const }, { name: 'ben', role: 'responder' as const }];
const pg = await postgresUp();

for (const target of storeTargets('opsbook-audit-action')) {
  describe.skipIf(target.name === 'postgres' && !pg)(`audit with the action (${target.name})`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    const open = async () => {
      const t = await target.open();
      cleanup = t.cleanup;
      store = await openStore({ url: t.url });
      await store.migrate();
      return { store, clock: new SimulatedClock(), users };
    };
    afterEach(async () => {
      await store?.close();
      await cleanup?.();
    });

    it('a token whose audit entry fails is not created; one whose revoke is not audited stays valid', async () => {
      const deps = await open();
      await refuseAudit(store, 'token.create');
      await expect(createToken(deps, admin, 'ben')).rejects.toThrow(/audit refused/);
      expect(await store.db.selectFrom('api_tokens').select('id').execute()).toEqual([]);
      await allowAudit(store);
      const created = await createToken(deps, admin, 'ben');
      await refuseAudit(store, 'token.revoke');
      await expect(revokeTokenById(deps, admin, created.id)).rejects.toThrow(/audit refused/);
      expect(await store.db.selectFrom('api_tokens').select('revoked_at').execute()).toEqual([{ revoked_at: null }]);
      expect((await listAudit(store.db)).map((e) => e.action)).toEqual(['token.create']);
    });

    it('a password whose audit entry fails is not set', async () => {
      const deps = await open();
      await refuseAudit(store, 'user.password_set');
      await expect(setUserPassword(deps, admin, 'ben', 'a long enough password 42', { N: 1024, r: 8, p: 1 })).rejects.toThrow(/audit refused/);
      expect(await readPasswordHash(store.db, 'ben')).toBeUndefined();
    });

    it('a sign-in whose audit entry fails opens no session', async () => {
      const deps = await open();
      await setUserPassword(deps, admin, 'ben', 'a long enough password 42', { N: 1024, r: 8, p: 1 });
      const sessions = new SessionManager(store, deps.clock, () => users);
      const auth = { store, clock: deps.clock, users: () => users, sessions, throttle: new LoginThrottle(store, deps.clock, DEFAULT_LOGIN_LIMITS) };
      await refuseAudit(store, 'session.login');
      await expect(login(auth, { username: 'ben', password: 'a long enough password 42', ip: '127.0.0.1', userAgent: 't' })).rejects.toThrow(/audit refused/);
      expect(await store.db.selectFrom('ui_sessions').select('user_name').execute()).toEqual([]);
      await allowAudit(store);
      const ok = await login(auth, { username: 'ben', password: 'a long enough password 42', ip: '127.0.0.1', userAgent: 't' });
      expect(ok.ok).toBe(true);
      expect(await store.db.selectFrom('ui_sessions').select('user_name').execute()).toEqual([{ user_name: 'ben' }]);
      expect((await listAudit(store.db)).map((e) => e.action)).toEqual(['user.password_set', 'session.login']);
    });
  });
}
