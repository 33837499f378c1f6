import type { Kysely } from 'kysely';
import type { Actor } from '../identity/index.js';
import type { Clock } from '../lib/clock.js';
import { OpsbookError } from '../lib/errors/index.js';
import { newId } from '../lib/ids.js';
import {
  appendAudit, deleteOncallOverride, findOncallOverride, insertOncallOverride, listOncallOverrides, withAuditEntry,
  type Database, type OncallOverrideRow, type Store,
} from '../store/index.js';
import { checkOverride, checkReason, withStoredOverrides, type FieldPath, type OverrideRequest, type StoredOverride } from './overrides.js';
import type { Schedule } from './types.js';

export interface OverrideBookHost {
  readonly store: Store;
  readonly clock: Clock;
  readonly config: { readonly schedules: readonly Schedule[]; readonly users: readonly { name: string }[] };
}

export interface CreateOverride extends OverrideRequest {
  reason: string;
}

/** `user` covers `with` over [start, end); `with` covers `user` over [return.start, return.end). */
export interface CreateSwap {
  user: string;
  with: string;
  start: string;
  end: string;
  return: { start: string; end: string };
  reason: string;
}

function fromRow(r: OncallOverrideRow): StoredOverride {
  return {
    id: r.id, schedule: r.schedule_id, user: r.user_name, start: r.starts_at, end: r.ends_at, reason: r.reason, createdBy: r.created_by, createdAt: r.created_at,
    ...(r.covers !== null ? { covers: r.covers } : {}),
    ...(r.swap_id !== null ? { swap: r.swap_id } : {}),
  };
}

/** Reads stored overrides inside any query context (a transaction included) and applies them. */
export async function schedulesWithOverrides(db: Kysely<Database>, schedules: readonly Schedule[]): Promise<Schedule[]> {
  if (schedules.length === 0) return [];
  const rows = await listOncallOverrides(db, { schedules: schedules.map((s) => s.id) });
  return withStoredOverrides(schedules, rows.map(fromRow));
}

/**
 * Overrides and swaps people make at runtime, on top of the config's schedules. Who may: an admin
 * any; a responder only those they are part of (the one covering or the one covered; for a swap,
 * one of the two), so nobody moves a colleague's shift behind their back. Every change and every
 * refusal for lack of rights is audited; a change and its audit entry commit together.
 */
export class OverrideBook {
  constructor(private readonly host: OverrideBookHost) {}

  /** The config's schedules with the stored overrides applied: what `oncall now`, calendars and paging read. */
  schedules(): Promise<Schedule[]> {
    return schedulesWithOverrides(this.host.store.db, this.host.config.schedules);
  }

  async list(filter: { schedule?: string; includePast?: boolean; at?: string } = {}): Promise<StoredOverride[]> {
    if (filter.schedule !== undefined) this.schedule(filter.schedule, () => filter.at ?? 'schedule');
    const rows = await listOncallOverrides(this.host.store.db, {
      ...(filter.schedule !== undefined ? { schedules: [filter.schedule] } : {}),
      ...(filter.includePast ? {} : { endsAfter: this.host.clock.now() }),
    });
    return rows.map(fromRow);
  }

  async create(scheduleId: string, input: CreateOverride, actor: Actor, at: FieldPath): Promise<StoredOverride> {
    const reason = checkReason(input.reason, at);
    const base = this.schedule(scheduleId, () => at('schedule'));
    await this.mayChange(actor, scheduleId, [input.user, input.covers], 'create an override');
    return this.write(actor, 'oncall.override.create', scheduleId, async (trx, now) => {
      const [schedule] = await schedulesWithOverrides(trx, [base]);
      const range = checkOverride(schedule!, this.userNames(), input, now, at);
      const row = this.row(scheduleId, input.user, input.covers, range, reason, null, actor, now);
      await insertOncallOverride(trx, row);
      return [fromRow(row)];
    }).then((rows) => rows[0]!);
  }

  async swap(scheduleId: string, input: CreateSwap, actor: Actor, at: FieldPath): Promise<StoredOverride[]> {
    const reason = checkReason(input.reason, at);
    const base = this.schedule(scheduleId, () => at('schedule'));
    await this.mayChange(actor, scheduleId, [input.user, input.with], 'create a swap');
    return this.write(actor, 'oncall.swap.create', scheduleId, async (trx, now) => {
      const [schedule] = await schedulesWithOverrides(trx, [base]);
      const first = checkOverride(schedule!, this.userNames(), { user: input.user, covers: input.with, start: input.start, end: input.end }, now, (f) => at(f === 'covers' ? 'with' : f));
      const back = (f: string) => at(`return.${f}`);
      if (input.with === input.user) throw new OpsbookError('OPSBOOK_E_OVERRIDE_INVALID', 'a swap needs two different people', { location: { path: at('with') } });
      const second = checkOverride(
        { ...schedule!, overrides: [...schedule!.overrides, { user: input.user, start: first.start, end: first.end, id: 'the first half of this swap' }] },
        this.userNames(),
        { user: input.with, covers: input.user, start: input.return.start, end: input.return.end },
        now,
        (f) => (f === 'user' ? at('with') : f === 'covers' ? at('user') : back(f)),
      );
      const swapId = newId('swp', now);
      const rows = [
        this.row(scheduleId, input.user, input.with, first, reason, swapId, actor, now),
        this.row(scheduleId, input.with, input.user, second, reason, swapId, actor, now),
      ];
      for (const r of rows) await insertOncallOverride(trx, r);
      return rows.map(fromRow);
    });
  }

  /** Deletes an override (both halves of a swap); returns what was deleted. */
  async remove(id: string, actor: Actor): Promise<StoredOverride[]> {
    const row = await findOncallOverride(this.host.store.db, id);
    if (!row) throw new OpsbookError('OPSBOOK_E_OVERRIDE_UNKNOWN', `no override ${id}`, { location: { path: 'id' } });
    await this.mayChange(actor, row.schedule_id, [row.user_name, row.covers ?? undefined, row.created_by], 'delete this override');
    return this.write(actor, 'oncall.override.delete', row.schedule_id, async (trx) => (await deleteOncallOverride(trx, row)).map(fromRow));
  }

  private schedule(id: string, at: () => string): Schedule {
    const s = this.host.config.schedules.find((x) => x.id === id);
    if (!s) throw new OpsbookError('OPSBOOK_E_NOT_FOUND', `no schedule ${id} (have: ${this.host.config.schedules.map((x) => x.id).join(', ') || 'none'})`, { location: { path: at() } });
    return s;
  }

  private userNames(): Set<string> {
    return new Set(this.host.config.users.map((u) => u.name));
  }

  private async mayChange(actor: Actor, scheduleId: string, parties: (string | undefined)[], what: string): Promise<void> {
    if (actor.role === 'admin') return;
    if (actor.role === 'responder' && parties.includes(actor.name)) return;
    const { store, clock } = this.host;
    await appendAudit(store.db, store.dialect, {
      at: clock.now(), actor: actor.name, action: 'access.denied', subject: `schedule:${scheduleId}`,
      details: { role: actor.role, needed: 'admin, or a responder who is one of the people involved', wanted: what, via: actor.via },
    });
    throw new OpsbookError('OPSBOOK_E_FORBIDDEN', actor.role === 'responder'
      ? `${actor.name} may only ${what} they are part of (covering or covered); an admin may change anyone's`
      : `${actor.name} has role ${actor.role}; changing on-call needs responder or admin`);
  }

  private row(schedule: string, user: string, covers: string | undefined, r: { start: number; end: number }, reason: string, swap: string | null, actor: Actor, now: number): OncallOverrideRow {
    return { id: newId('ovr', now), schedule_id: schedule, user_name: user, covers: covers ?? null, starts_at: r.start, ends_at: r.end, reason, swap_id: swap, created_by: actor.name, created_at: now };
  }

  private async write(actor: Actor, action: string, scheduleId: string, work: (trx: Kysely<Database>, now: number) => Promise<StoredOverride[]>): Promise<StoredOverride[]> {
    const { store, clock } = this.host;
    const now = clock.now();
    return withAuditEntry(store.db, store.dialect, (trx) => work(trx, now), (rows) => ({
      at: now, actor: actor.name, action, subject: `schedule:${scheduleId}`,
      details: { overrides: rows.map((o) => ({ id: o.id, user: o.user, covers: o.covers ?? null, start: new Date(o.start).toISOString(), end: new Date(o.end).toISOString(), reason: o.reason })) },
    }));
  }
}
