import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../lib/clock.js';
import { openStore } from '../store/index.js';
import { ActionLinkSigner, actionUrl, createActionToken, loadActionKey, verifyActionToken } from './action-links.js';

const key = Buffer.alloc(32, 7);
const start = Date.UTC(2026, 2, 1, 9, 0);

describe('action tokens', () => {
  it('verifies a valid token and returns its claims', () => {
    const clock = new SimulatedClock(start);
    const token = createActionToken({ incidentId: 'inc_1', action: 'acknowledge', expiresAt: start + 3_600_000, user: 'ana' }, key);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(verifyActionToken(token, key, clock)).toEqual({
      ok: true,
      claims: { incidentId: 'inc_1', action: 'acknowledge', expiresAt: start + 3_600_000, user: 'ana' },
    });
  });

  it('refuses a tampered token: changed claims, changed MAC, another key', () => {
    const clock = new SimulatedClock(start);
    const token = createActionToken({ incidentId: 'inc_1', action: 'acknowledge', expiresAt: start + 3_600_000 }, key);
    const [payload, sig] = token.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ i: 'inc_1', a: 'resolve', e: start + 3_600_000 })).toString('base64url');
    expect(verifyActionToken(`${forged}.${sig}`, key, clock)).toEqual({ ok: false, reason: 'bad_signature' });
    const flipped = sig.slice(0, -2) + (sig.endsWith('AA') ? 'BB' : 'AA');
    expect(verifyActionToken(`${payload}.${flipped}`, key, clock)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyActionToken(token, Buffer.alloc(32, 8), clock)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyActionToken(`${payload}.${sig.slice(0, 10)}`, key, clock)).toEqual({ ok: false, reason: 'bad_signature' });
    for (const bad of ['', 'abc', 'a.b.c', `${payload}.`, `${payload}.${sig}!`]) {
      expect(verifyActionToken(bad, key, clock)).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('refuses an expired token by the clock, from the instant it expires', async () => {
    const clock = new SimulatedClock(start);
    const token = createActionToken({ incidentId: 'inc_1', action: 'resolve', expiresAt: start + 60_000 }, key);
    await clock.advance(59_999);
    expect(verifyActionToken(token, key, clock).ok).toBe(true);
    await clock.advance(1);
    expect(verifyActionToken(token, key, clock)).toEqual({ ok: false, reason: 'expired' });
  });

  it('builds links on public_url and only the actions that still apply', () => {
    const signer = new ActionLinkSigner(key, 'https://ops.example.com/', 86_400_000);
    const incident = { id: 'inc_9', title: 't', severity: 'sev1', status: 'triggered', url: 'https://ops.example.com/incidents/inc_9' };
    const links = signer.linksFor({ channelId: 'c', event: 'incident.triggered', incident, recipient: { user: 'bo', address: 'bo@x' } }, start);
    expect(Object.keys(links)).toEqual(['acknowledge', 'resolve']);
    expect(links.acknowledge).toMatch(/^https:\/\/ops\.example\.com\/a\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const check = signer.verify(links.acknowledge!.split('/a/')[1]!, new SimulatedClock(start));
    expect(check).toEqual({ ok: true, claims: { incidentId: 'inc_9', action: 'acknowledge', expiresAt: start + 86_400_000, user: 'bo' } });
    // The same message gets the same links on every retry.
    expect(signer.linksFor({ channelId: 'c', event: 'incident.triggered', incident, recipient: { user: 'bo', address: 'bo@x' } }, start)).toEqual(links);
    expect(Object.keys(signer.linksFor({ channelId: 'c', event: 'incident.acknowledged', incident }, start))).toEqual(['resolve']);
    expect(signer.linksFor({ channelId: 'c', event: 'incident.resolved', incident }, start)).toEqual({});
    expect(actionUrl('http://h:4100//', 'x.y')).toBe('http://h:4100/a/x.y');
  });

  it('generates the key once and keeps it in the store across reopenings', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-keys-'));
    const file = path.join(dir, 'opsbook.db');
    try {
      const clock = new SimulatedClock(start);
      let store = await openStore({ url: file });
      await store.migrate();
      const first = await loadActionKey(store.db, clock);
      expect(first.length).toBe(32);
      expect(await loadActionKey(store.db, clock)).toEqual(first);
      await store.close();
      store = await openStore({ url: file });
      expect(await loadActionKey(store.db, clock)).toEqual(first);
      await store.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
