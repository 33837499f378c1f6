import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Actor } from '../identity/index.js';
import type { Clock } from '../lib/clock.js';
import { OpsbookError } from '../lib/errors/index.js';
import { newId, randomSecret } from '../lib/ids.js';
import {
  appendAudit, findCalendarFeed, getOrCreateNotifyKey, insertCalendarFeed, liveCalendarFeeds, replaceNotifyKey, revokeCalendarFeedRow, withAuditEntry,
  type CalendarFeedRow, type Store,
} from '../store/index.js';

/** The key every feed URL is signed with; replacing it revokes every feed URL at once. */
const FEED_KEY = 'calendar-feeds';

export interface CalendarFeed {
  id: string;
  kind: 'schedule' | 'user';
  /** The schedule id or the person's name. */
  subject: string;
  createdBy: string;
  createdAt: number;
  /** The secret URL; only for feeds the caller may subscribe to. */
  url?: string;
}

export interface CalendarFeedsHost {
  readonly store: Store;
  readonly clock: Clock;
  readonly config: { readonly schedules: readonly { id: string }[]; readonly users: readonly { name: string }[]; readonly server: { readonly public_url: string } };
}

const mac = (payload: string, key: string) => createHmac('sha256', key).update(payload).digest('base64url');

/**
 * Secret iCalendar feed URLs, one per schedule and one per person, each a stored feed: the URL is
 * the feed's id and a MAC over it, so a feed is revoked on its own (a new URL is issued the next
 * time someone asks), and replacing the signing key revokes every URL at once. A responder may
 * revoke their own feed; an admin any (a viewer asks an admin).
 */
export class CalendarFeeds {
  constructor(private readonly host: CalendarFeedsHost) {}

  private key(): Promise<string> {
    return getOrCreateNotifyKey(this.host.store.db, FEED_KEY, () => randomSecret(32), this.host.clock.now());
  }

  private url(id: string, key: string): string {
    return `${this.host.config.server.public_url.replace(/\/+$/, '')}/calendar/${id}.${mac(id, key)}.ics`;
  }

  /** The caller's feeds: every schedule's and their own (issued on first ask); an admin also sees, without URLs, everyone else's. */
  async forActor(actor: Actor): Promise<CalendarFeed[]> {
    const key = await this.key();
    let live = await liveCalendarFeeds(this.host.store.db);
    const wanted: Array<{ kind: 'schedule' | 'user'; subject: string }> = this.host.config.schedules.map((s) => ({ kind: 'schedule' as const, subject: s.id }));
    if (this.host.config.users.some((u) => u.name === actor.name)) wanted.push({ kind: 'user', subject: actor.name });
    let issued = false;
    for (const w of wanted) {
      if (live.some((f) => f.kind === w.kind && f.subject === w.subject)) continue;
      const now = this.host.clock.now();
      await insertCalendarFeed(this.host.store.db, { id: newId('cal', now), kind: w.kind, subject: w.subject, created_by: actor.name, created_at: now, revoked_at: null, revoked_by: null });
      issued = true;
    }
    if (issued) live = await liveCalendarFeeds(this.host.store.db);
    const mine = (f: CalendarFeedRow) => f.kind === 'schedule' || f.subject === actor.name;
    return live
      .filter((f) => mine(f) || actor.role === 'admin')
      .map((f) => ({ id: f.id, kind: f.kind, subject: f.subject, createdBy: f.created_by, createdAt: f.created_at, ...(mine(f) ? { url: this.url(f.id, key) } : {}) }));
  }

  /** The live feed a URL token names, or undefined (unknown, tampered with, revoked). */
  async resolve(token: string): Promise<{ kind: 'schedule' | 'user'; subject: string } | undefined> {
    const [id, sig] = token.replace(/\.ics$/, '').split('.');
    if (!id || !sig || !/^[A-Za-z0-9_-]+$/.test(id)) return undefined;
    const want = Buffer.from(mac(id, await this.key()));
    const got = Buffer.from(sig);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return undefined;
    const row = await findCalendarFeed(this.host.store.db, id);
    return row && row.revoked_at === null ? { kind: row.kind, subject: row.subject } : undefined;
  }

  /** Revokes one feed URL; the next ask issues a new one. */
  async revoke(id: string, actor: Actor): Promise<CalendarFeed> {
    const { store, clock } = this.host;
    const row = await findCalendarFeed(store.db, id);
    if (!row || row.revoked_at !== null) throw new OpsbookError('OPSBOOK_E_CALENDAR_FEED_UNKNOWN', `no live calendar feed ${id}`, { location: { path: 'id' } });
    if (actor.role !== 'admin' && !(actor.role === 'responder' && row.kind === 'user' && row.subject === actor.name)) {
      await appendAudit(store.db, store.dialect, { at: clock.now(), actor: actor.name, action: 'access.denied', subject: `calendar-feed:${id}`, details: { role: actor.role, needed: 'admin, or the feed’s owner', via: actor.via } });
      throw new OpsbookError('OPSBOOK_E_FORBIDDEN', `${actor.name} may revoke only their own calendar feed; an admin may revoke any`);
    }
    const now = clock.now();
    await withAuditEntry(store.db, store.dialect, (trx) => revokeCalendarFeedRow(trx, id, now, actor.name), {
      at: now, actor: actor.name, action: 'calendar.feed.revoke', subject: `calendar-feed:${id}`, details: { kind: row.kind, subject: row.subject },
    });
    return { id, kind: row.kind, subject: row.subject, createdBy: row.created_by, createdAt: row.created_at };
  }

  /** Revokes every feed URL at once by replacing the key they are signed with. */
  async revokeAll(actor: Actor): Promise<void> {
    const { store, clock } = this.host;
    const now = clock.now();
    await withAuditEntry(store.db, store.dialect, (trx) => replaceNotifyKey(trx, FEED_KEY, randomSecret(32), now), { at: now, actor: actor.name, action: 'calendar.revoke', subject: 'calendar-feeds', details: {} });
  }
}
