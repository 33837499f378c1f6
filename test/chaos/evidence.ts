/**
 * The chaos run's evidence for its informational counts: for a failure episode that never paged and
 * for an escalation step that came late, the timeline of what the target, the database and the
 * lease table saw, in seconds from the start of the chaos. Printed for the first few of each, and
 * written in full to `evidence.json` when the run keeps its database (`--keep`).
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/store/index.js';

/** Who held a lease from when: the lease table as the harness polled it. */
export interface LeaseChange {
  at: number;
  /** The holding process by its node name (`a`, `b`, `c`), `-` when free or run out. */
  holder: string;
  epoch: number;
}

export class LeaseHistory {
  readonly changes = new Map<string, LeaseChange[]>();

  /** One poll: leases with their holders (member ids) and the member → node names known now. */
  observe(at: number, leases: ReadonlyArray<{ name: string; holder: string | null; epoch: number | string; expires_at: number | string; now: number | string }>, nodeOf: (member: string) => string): void {
    for (const l of leases) {
      const live = l.holder !== null && Number(l.expires_at) > Number(l.now);
      const holder = live ? nodeOf(l.holder!) : '-';
      const list = this.changes.get(l.name) ?? [];
      const last = list.at(-1);
      if (!last || last.holder !== holder || last.epoch !== Number(l.epoch)) list.push({ at, holder, epoch: Number(l.epoch) });
      this.changes.set(l.name, list);
    }
  }

  /** The changes of `lease` between `from` and `to`, with the one in force at `from`. */
  between(lease: string, from: number, to: number): LeaseChange[] {
    const list = this.changes.get(lease) ?? [];
    const before = list.filter((c) => c.at <= from).at(-1);
    return [...(before ? [before] : []), ...list.filter((c) => c.at > from && c.at <= to)];
  }
}

export interface Line {
  at: number;
  what: string;
}

/** What the database holds about one check and its incidents, as timeline lines. */
export async function checkTimeline(db: Kysely<Database>, checkId: string): Promise<{ lines: Line[]; incidents: string[] }> {
  const lines: Line[] = [];
  const results = await sql<{ at: string; state: number }>`select r.at, r.state from check_results r join check_keys k on k.key = r.check_key where k.check_id = ${checkId} order by r.at`.execute(db);
  for (const r of results.rows) lines.push({ at: Number(r.at), what: `result stored: ${r.state % 2 === 1 ? 'down' : 'up'} (state ${r.state})` });
  const links = await db.selectFrom('incident_alerts').select(['incident_id', 'first_fired_at', 'resolved_at']).where('rule_id', '=', `check:${checkId}`).execute();
  const incidents = [...new Set(links.map((l) => l.incident_id))];
  for (const id of incidents) lines.push(...(await incidentTimeline(db, id)));
  return { lines, incidents };
}

/** One incident: its opening and resolution, timeline, escalation row and outbox rows. */
export async function incidentTimeline(db: Kysely<Database>, id: string): Promise<Line[]> {
  const lines: Line[] = [];
  const inc = await db.selectFrom('incidents').select(['opened_at', 'resolved_at', 'state']).where('id', '=', id).executeTakeFirst();
  if (inc) {
    lines.push({ at: Number(inc.opened_at), what: `${id} opened` });
    if (inc.resolved_at !== null) lines.push({ at: Number(inc.resolved_at), what: `${id} resolved` });
  }
  for (const t of await db.selectFrom('incident_timeline').select(['at', 'kind', 'actor', 'text']).where('incident_id', '=', id).orderBy('seq').execute()) {
    lines.push({ at: Number(t.at), what: `${id} timeline ${t.kind} (${t.actor}): ${t.text}` });
  }
  const esc = await db.selectFrom('escalations').select(['status', 'next_at', 'updated_at']).where('incident_id', '=', id).executeTakeFirst();
  lines.push(esc ? { at: Number(esc.updated_at), what: `${id} escalation row: ${esc.status}, next_at ${esc.next_at ?? '-'} (last updated here)` } : { at: Number(inc?.opened_at ?? 0), what: `${id} has NO escalation row` });
  for (const o of await db.selectFrom('outbox').select(['id', 'event', 'status', 'created_at', 'delivered_at', 'attempts']).where('incident_id', '=', id).orderBy('created_at').execute()) {
    lines.push({ at: Number(o.created_at), what: `${id} outbox ${o.id} ${o.event} created; now ${o.status} after ${o.attempts} attempts${o.delivered_at ? ` (delivered at ${Number(o.delivered_at)})` : ''}` });
  }
  return lines;
}

/** Fencing refusals of one lease between two instants. */
export async function fencingTimeline(db: Kysely<Database>, lease: string, from: number, to: number): Promise<Line[]> {
  const rows = await db.selectFrom('cluster_fencing').select(['at', 'member', 'epoch', 'what', 'outcome']).where('lease', '=', lease).where('at', '>=', Math.floor(from)).where('at', '<=', Math.ceil(to)).orderBy('at').execute();
  return rows.map((r) => ({ at: Number(r.at), what: `fencing ${r.outcome}: ${r.what} by ${r.member} under ${lease}@${r.epoch}` }));
}

/** Lines sorted by time, in seconds from `t0`. */
export function render(t0: number, lines: Line[]): string {
  return lines
    .sort((a, b) => a.at - b.at)
    .map((l) => `      ${((l.at - t0) / 1000).toFixed(1).padStart(7)} s  ${l.what}`)
    .join('\n');
}
