import { randomBytes } from 'node:crypto';
import type { OpsConfig } from '../config/index.js';
import { windowStatsOf, type WindowStats } from '../checks/history/index.js';
import type { Actor } from '../identity/index.js';
import { OPEN_STATES, type IncidentState } from '../incidents/index.js';
import type { Clock } from '../lib/clock.js';
import { OpsbookError } from '../lib/errors/index.js';
import { newId } from '../lib/ids.js';
import { enqueueNotification, signalOutbox } from '../notify/index.js';
import {
  confirmStatusSubscriber, confirmedStatusSubscribers, countStatusSubscribers, deleteStatusSubscriber, findIncident, insertStatusIncident,
  insertStatusUpdate, listAllIncidents, statusIncident, statusIncidentsSince, statusSubscriberByToken, statusUpdatesOf, upsertStatusSubscriber,
  withAuditEntry, type Database, type StatusIncidentRow, type StatusUpdateRow, type Store,
} from '../store/index.js';
import type { Kysely } from 'kysely';
import { DAY_MS, dayState, incidentsPerDay, type StatusDay } from './days.js';
import { confirmationLetter, updateLetter, type LetterContext } from './letters.js';

/** The words the public sees for where an incident stands (Statuspage's vocabulary). */
export const PUBLIC_STATES = ['investigating', 'identified', 'monitoring', 'resolved'] as const;
export type PublicState = (typeof PUBLIC_STATES)[number];

export const MAX_UPDATE_CHARS = 2_000;
export const MAX_TITLE_CHARS = 120;
/** The author of what `publish: after_delay` publishes. */
export const AUTO_AUTHOR = 'opsbook';

export interface PublicService {
  id: string;
  name: string;
}

export interface PublicIncident {
  incidentId: string;
  title: string;
  service?: PublicService;
  publishedAt: number;
  /** Open: the incident is not resolved yet. */
  open: boolean;
  resolvedAt?: number;
  /** Newest first. */
  updates: StatusUpdateRow[];
}

export interface StatusPageHost {
  readonly store: Store;
  readonly clock: Clock;
  readonly config: OpsConfig;
}

const EMAIL = /^[^\s@<>()[\]\\,;:"]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

function invalid(message: string, path?: string): OpsbookError {
  return new OpsbookError('OPSBOOK_E_STATUS_PAGE', message, path ? { location: { path } } : {});
}

/**
 * The public status page's model: which services are public and under what name, incidents a
 * person published with the updates people wrote, daily bars that are green only on days without
 * downtime or published incidents, and email subscribers with double opt-in.
 */
export class StatusPage {
  constructor(private readonly host: StatusPageHost) {}

  private get page(): OpsConfig['status_page'] {
    return this.host.config.status_page;
  }

  publicServices(): PublicService[] {
    const { services } = this.host.config;
    if (!this.page.services) return services.map((s) => ({ id: s.id, name: s.name ?? s.id }));
    return this.page.services.map((p) => {
      const s = services.find((x) => x.id === p.service);
      return { id: p.service, name: p.name ?? s?.name ?? p.service };
    });
  }

  publicService(id: string | null | undefined): PublicService | undefined {
    return id ? this.publicServices().find((s) => s.id === id) : undefined;
  }

  /** Puts an incident of a public service on the page with a public title and a first update. */
  async publish(incidentId: string, input: { title: string; body: string; state?: PublicState }, actor: Actor): Promise<PublicIncident> {
    const incident = await findIncident(this.host.store.db, incidentId);
    if (!incident) throw new OpsbookError('OPSBOOK_E_NOT_FOUND', `incident ${incidentId} does not exist`);
    const service = this.publicService(incident.service);
    if (!service) throw invalid(`incident ${incidentId} concerns ${incident.service ? `service "${incident.service}", which is not public` : 'no service'} (status_page.services)`);
    const title = input.title.trim();
    if (title.length === 0 || title.length > MAX_TITLE_CHARS) throw invalid(`the public title must be 1 to ${MAX_TITLE_CHARS} characters`, 'title');
    const state = input.state ?? 'investigating';
    const body = this.checkBody(input.body);
    const now = this.host.clock.now();
    await this.write(actor.name, 'status.publish', incidentId, { title, state }, async (db) => {
      const fresh = await insertStatusIncident(db, { incident_id: incidentId, title, service_id: service.id, published_at: now, published_by: actor.name });
      if (!fresh) throw new OpsbookError('OPSBOOK_E_STATUS_PAGE', `incident ${incidentId} is already on the status page; post an update instead`);
      await this.addUpdate(db, { incidentId, title, service, state, body, author: actor.name, at: now });
    });
    return (await this.incident(incidentId))!;
  }

  /** A further update people wrote: investigating, identified, monitoring or resolved. */
  async postUpdate(incidentId: string, input: { state: PublicState; body: string }, actor: Actor): Promise<PublicIncident> {
    const published = await statusIncident(this.host.store.db, incidentId);
    if (!published) throw invalid(`incident ${incidentId} is not on the status page; publish it first`);
    if (!(PUBLIC_STATES as readonly string[]).includes(input.state)) throw invalid(`state must be one of ${PUBLIC_STATES.join(', ')}`, 'state');
    const body = this.checkBody(input.body);
    const service = this.publicService(published.service_id);
    await this.write(actor.name, 'status.update', incidentId, { state: input.state }, (db) =>
      this.addUpdate(db, { incidentId, title: published.title, ...(service ? { service } : {}), state: input.state, body, author: actor.name, at: this.host.clock.now() }),
    );
    return (await this.incident(incidentId))!;
  }

  /**
   * With `publish: after_delay`: publishes, with fixed words, every open incident of a public service
   * opened at least `publish_delay` ago and not yet on the page. Returns how many it published.
   */
  async autoPublish(): Promise<number> {
    if (this.page.publish !== 'after_delay') return 0;
    const now = this.host.clock.now();
    const open = await listAllIncidents(this.host.store.db, { state: OPEN_STATES as IncidentState[] });
    let published = 0;
    for (const i of open) {
      const service = this.publicService(i.service);
      if (!service || now - i.opened_at < this.page.publish_delay) continue;
      if (await statusIncident(this.host.store.db, i.id)) continue;
      const title = `${service.name}: service disruption`;
      await this.write(AUTO_AUTHOR, 'status.publish', i.id, { title, state: 'investigating', auto: true }, async (db) => {
        if (!(await insertStatusIncident(db, { incident_id: i.id, title, service_id: service.id, published_at: now, published_by: AUTO_AUTHOR }))) return;
        await this.addUpdate(db, { incidentId: i.id, title, service, state: 'investigating', body: 'We are investigating a problem with this service.', author: AUTO_AUTHOR, at: now });
        published++;
      });
    }
    return published;
  }

  async incident(incidentId: string): Promise<PublicIncident | undefined> {
    const row = await statusIncident(this.host.store.db, incidentId);
    return row ? (await this.withState([row]))[0] : undefined;
  }

  /** Published incidents still open, then those resolved within `history_days`, newest first. */
  async incidents(): Promise<{ active: PublicIncident[]; history: PublicIncident[] }> {
    const since = this.host.clock.now() - this.page.history_days * DAY_MS;
    const all = await this.withState(await statusIncidentsSince(this.host.store.db, since));
    return { active: all.filter((i) => i.open), history: all.filter((i) => !i.open) };
  }

  /** One bar per day for each public service, oldest first, ending today. */
  async days(): Promise<Map<string, StatusDay[]>> {
    const now = this.host.clock.now();
    const today = Math.floor(now / DAY_MS) * DAY_MS;
    const dayStarts = Array.from({ length: this.page.history_days }, (_, i) => today - (this.page.history_days - 1 - i) * DAY_MS);
    const { history, active } = await this.incidents();
    const out = new Map<string, StatusDay[]>();
    const services = this.publicServices();
    const checksOf = new Map(services.map((s) => [s.id, this.host.config.checks.filter((c) => c.service === s.id)]));
    // Every bar of every service in one read: the statements do not grow with the days or the checks.
    const asked = [...checksOf.values()].flat().flatMap((c) => dayStarts.map((day) => ({ checkId: c.id, from: day, to: Math.min(day + DAY_MS, now) })));
    const stats = await windowStatsOf(this.host.store, asked, []);
    let next = 0;
    const statsOf = new Map<string, WindowStats[]>();
    for (const c of [...checksOf.values()].flat()) statsOf.set(c.id, stats.slice(next, (next += dayStarts.length)));
    for (const service of services) {
      const checks = checksOf.get(service.id)!;
      const spans = [...active, ...history].filter((i) => i.service?.id === service.id).map((i) => ({ from: i.publishedAt, to: i.resolvedAt ?? now }));
      const perDay = incidentsPerDay(dayStarts, spans);
      const days: StatusDay[] = [];
      for (const [n, day] of dayStarts.entries()) {
        let uptime: number | undefined;
        let downMs = 0;
        for (const c of checks) {
          const s = statsOf.get(c.id)![n]!;
          if (s.uptime !== undefined) uptime = uptime === undefined ? s.uptime : Math.min(uptime, s.uptime);
          downMs = Math.max(downMs, s.failures * c.interval);
        }
        const inputs = { day, uptime, downMs, incidents: perDay[n]! };
        days.push({ ...inputs, state: dayState(inputs, this.page.downtime_threshold) });
      }
      out.set(service.id, days);
    }
    return out;
  }

  /** Asks for a subscription: the address gets a confirmation link (at most one an hour). */
  async subscribe(email: string): Promise<void> {
    const sub = this.page.subscribers;
    if (!sub) throw new OpsbookError('OPSBOOK_E_NOT_FOUND', 'this status page takes no subscribers');
    const address = email.trim().toLowerCase();
    if (address.length > 254 || !EMAIL.test(address)) throw invalid('that is not an email address', 'email');
    const now = this.host.clock.now();
    const db = this.host.store.db;
    const row = await db.transaction().execute(async (trx) => {
      if ((await countStatusSubscribers(trx)) >= sub.max && !(await trx.selectFrom('status_subscribers').select('token').where('email', '=', address).executeTakeFirst())) {
        throw new OpsbookError('OPSBOOK_E_STATUS_SUBSCRIBERS_FULL', `the status page has ${sub.max} subscribers already (status_page.subscribers.max)`);
      }
      const r = await upsertStatusSubscriber(trx, { token: randomBytes(24).toString('base64url'), email: address, created_at: now, confirmed_at: null });
      if (r.confirmed_at === null) {
        await enqueueNotification(trx, this.host.clock, {
          channelId: sub.channel,
          event: 'status.confirm',
          recipient: { user: 'subscriber', address },
          letter: confirmationLetter(this.letterContext(), r.token),
          dedupKey: `status-confirm:${r.token}:${Math.floor(now / 3_600_000)}`,
        });
      }
      return r;
    });
    if (row.confirmed_at === null) signalOutbox();
  }

  async confirm(token: string): Promise<boolean> {
    const row = await statusSubscriberByToken(this.host.store.db, token);
    if (!row) return false;
    if (row.confirmed_at === null) await confirmStatusSubscriber(this.host.store.db, token, this.host.clock.now());
    return true;
  }

  unsubscribe(token: string): Promise<boolean> {
    return deleteStatusSubscriber(this.host.store.db, token);
  }

  private letterContext(): LetterContext {
    return { title: this.page.title, base: this.host.config.server.public_url.replace(/\/+$/, '') };
  }

  private checkBody(body: string): string {
    const text = body.trim();
    if (text.length === 0) throw invalid('an update needs words: what the public should know', 'body');
    if (text.length > MAX_UPDATE_CHARS) throw invalid(`an update is at most ${MAX_UPDATE_CHARS} characters (this one has ${text.length})`, 'body');
    return text;
  }

  private async write(actor: string, action: string, subject: string, details: Record<string, unknown>, work: (db: Kysely<Database>) => Promise<void>): Promise<void> {
    const { store, clock } = this.host;
    await withAuditEntry(store.db, store.dialect, (trx) => work(trx), { at: clock.now(), actor, action, subject, details });
    signalOutbox();
  }

  /** Stores an update and, in the same transaction, one mail per confirmed subscriber. */
  private async addUpdate(db: Kysely<Database>, u: { incidentId: string; title: string; service?: PublicService; state: PublicState; body: string; author: string; at: number }): Promise<void> {
    const id = newId('stu', u.at);
    await insertStatusUpdate(db, { id, incident_id: u.incidentId, at: u.at, state: u.state, body: u.body, author: u.author });
    const sub = this.page.subscribers;
    if (!sub) return;
    const ctx = this.letterContext();
    for (const s of await confirmedStatusSubscribers(db)) {
      await enqueueNotification(db, this.host.clock, {
        channelId: sub.channel,
        event: 'status.update',
        recipient: { user: 'subscriber', address: s.email },
        letter: updateLetter(ctx, s.token, { title: u.title, state: u.state, body: u.body, ...(u.service ? { service: u.service.name } : {}) }),
        dedupKey: `status-update:${id}:${s.token}`,
      });
    }
  }

  private async withState(rows: StatusIncidentRow[]): Promise<PublicIncident[]> {
    const updates = await statusUpdatesOf(this.host.store.db, rows.map((r) => r.incident_id));
    const out: PublicIncident[] = [];
    for (const r of rows) {
      const incident = await findIncident(this.host.store.db, r.incident_id);
      const mine = updates.filter((u) => u.incident_id === r.incident_id);
      // Over when opsbook resolved the incident, or when a person told the public it is resolved.
      const resolvedAt = incident?.resolved_at ?? (mine[0]?.state === 'resolved' ? mine[0].at : undefined);
      const service = this.publicService(r.service_id);
      out.push({
        incidentId: r.incident_id,
        title: r.title,
        ...(service ? { service } : {}),
        publishedAt: r.published_at,
        open: resolvedAt === undefined,
        ...(resolvedAt !== undefined ? { resolvedAt } : {}),
        updates: mine,
      });
    }
    return out;
  }
}
