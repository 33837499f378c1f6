import type { Daemon } from '../../../daemon/index.js';
import type { Actor } from '../../../identity/index.js';
import { CalendarFeeds, dailyRoster, formatInZone, layerShiftsBetween, OverrideBook, shiftsBetween, type Schedule, type Shift, type StoredOverride } from '../../../oncall/index.js';
import type { Session } from '../../sessions/index.js';
import { html, type Html } from '../html.js';
import { page } from '../layout.js';
import type { UiRoute } from '../route.js';
import { feedSection, oncallChangeRoutes, overrideSection, refusedInForm } from './oncall-changes.js';
import { refusalNotice, type Refusal } from '../refusal.js';

const HORIZON_MS = 14 * 86_400_000;
/** How many of the horizon's handoffs a schedule's table lists (the calendar shows every one). */
const HANDOFFS_SHOWN = 8;

function local(at: number, tz: string): Html {
  return html`<time datetime="${new Date(at).toISOString()}">${formatInZone(at, tz).replace('T', ' ')}</time>`;
}

function hhmm(at: number, tz: string): string {
  return formatInZone(at, tz).slice(11, 16);
}

function weekday(date: string): string {
  return ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][(new Date(`${date}T12:00:00Z`).getUTCDay() + 6) % 7]!;
}

function reason(schedule: Schedule, s: Shift): string {
  if (s.override !== undefined) {
    const o = schedule.overrides[s.override];
    return o?.covers ? `override for ${o.covers}` : 'override';
  }
  return s.layer !== undefined ? (schedule.layers[s.layer]?.name ?? '') : '';
}

/** What the page shows beside the schedule: the overrides people made, and who is looking. */
export interface ChangesView {
  stored: readonly StoredOverride[];
  users: readonly string[];
  actor: Actor;
  session: Session | undefined;
  /** A refusal of one of the page's forms, carried across the redirect that answered it. */
  refusal?: Refusal;
}

/** Who is on call now in one schedule (overrides and swaps applied), each layer's person, the next handoffs and the overrides. */
export function scheduleSection(schedule: Schedule, now: number, changes: ChangesView): Html {
  const tz = schedule.timeZone;
  // Every shift of the horizon (worked out in memory), so the handoffs it does not list are counted.
  const shifts = shiftsBetween(schedule, now, now + HORIZON_MS);
  const current = shifts.find((s) => s.start <= now && now < s.end);
  const handoffs = shifts.filter((s) => s.start > now);
  const upcoming = handoffs.slice(0, HANDOFFS_SHOWN);
  const moreHandoffs = handoffs.length - upcoming.length;
  const overrides = schedule.overrides.map((o, i) => ({ ...o, i })).filter((o) => o.end > now && o.id === undefined);
  return html`<section class="card schedule" aria-labelledby="sched-${schedule.id}">
<h2 id="sched-${schedule.id}">${schedule.name ?? schedule.id}</h2>
<p class="muted">Schedule ${schedule.id} · times in ${tz}</p>
<p class="now-oncall">On call now: ${current
    ? html`<strong data-oncall="${schedule.id}">${current.user}</strong> until ${local(current.end, tz)}${reason(schedule, current) ? html` <span class="muted">(${reason(schedule, current)})</span>` : ''}`
    : html`<strong>nobody</strong>`}</p>
<div class="table-scroll" tabindex="0" role="region" aria-label="Layers of ${schedule.name ?? schedule.id}"><table>
<caption>Layers (later layers win where they have someone)</caption>
<thead><tr><th scope="col">Layer</th><th scope="col">Now</th><th scope="col">Until</th></tr></thead>
<tbody>${schedule.layers.map((layer, i) => {
    const ls = layerShiftsBetween(schedule, i, now, now + HORIZON_MS, 200);
    const c = ls.find((s) => s.start <= now && now < s.end);
    return html`<tr><th scope="row">${layer.name}</th><td>${c ? c.user : html`<span class="muted">nobody</span>`}</td><td>${c ? local(c.end, tz) : '—'}</td></tr>`;
  })}</tbody>
</table></div>
<div class="table-scroll" tabindex="0" role="region" aria-label="Next handoffs in ${schedule.name ?? schedule.id}"><table>
<caption>Next handoffs (14 days)</caption>
<thead><tr><th scope="col">From</th><th scope="col">Until</th><th scope="col">Who</th><th scope="col">Why</th></tr></thead>
<tbody>${upcoming.length
    ? upcoming.map((s) => html`<tr><td>${local(s.start, tz)}</td><td>${local(s.end, tz)}</td><td>${s.user}</td><td>${reason(schedule, s)}</td></tr>`)
    : html`<tr><td colspan="4">No handoff in the next 14 days.</td></tr>`}</tbody>
</table></div>
${moreHandoffs > 0 ? html`<p class="muted" data-handoffs-more="${schedule.id}">${moreHandoffs} more ${moreHandoffs === 1 ? 'handoff' : 'handoffs'} in the next 14 days: the calendar below shows them.</p>` : ''}
<div class="table-scroll" tabindex="0" role="region" aria-label="Calendar of ${schedule.name ?? schedule.id}"><table class="roster">
<caption>Calendar (next 14 days, ${tz})</caption>
<thead><tr><th scope="col">Day</th><th scope="col">On call</th></tr></thead>
<tbody>${dailyRoster(schedule, now, 14).map((d) => html`<tr data-day="${d.date}"><th scope="row">${weekday(d.date)} ${d.date}</th><td>${d.shifts.length
    ? d.shifts.map((s, i) => html`${i ? ' · ' : ''}<span${s.override !== undefined ? html` class="override"` : ''}>${hhmm(s.start, tz)}–${s.end === d.end ? '24:00' : hhmm(s.end, tz)} <strong>${s.user}</strong>${s.override !== undefined ? ' (override)' : ''}</span>`)
    : html`<span class="muted">nobody</span>`}</td></tr>`)}</tbody>
</table></div>
<div class="table-scroll" tabindex="0" role="region" aria-label="Overrides in the config of ${schedule.name ?? schedule.id}"><table>
<caption>Overrides in the config</caption>
<thead><tr><th scope="col">Who</th><th scope="col">From</th><th scope="col">Until</th><th scope="col">Covers</th></tr></thead>
<tbody>${overrides.length
    ? overrides.map((o) => html`<tr><td>${o.user}</td><td>${local(o.start, tz)}</td><td>${local(o.end, tz)}</td><td>${o.layer === undefined ? 'whole schedule' : (schedule.layers[o.layer]?.name ?? `layer ${o.layer}`)}</td></tr>`)
    : html`<tr><td colspan="4">No current or upcoming override.</td></tr>`}</tbody>
</table></div>
${overrideSection(schedule, changes.stored.filter((o) => o.schedule === schedule.id), changes.users, changes.actor, changes.session, changes.refusal)}
</section>`;
}

/** One line per schedule for the overview: who is on call now. */
export async function whoIsOnCallList(daemon: Daemon): Promise<Html> {
  const now = daemon.clock.now();
  const schedules = await new OverrideBook(daemon).schedules();
  if (schedules.length === 0) return html`<p class="muted">No schedules configured.</p>`;
  return html`<ul class="oncall-now">${schedules.map((s) => {
    const cur = shiftsBetween(s, now, now + 1, 10).find((x) => x.start <= now && now < x.end);
    return html`<li><a href="/oncall#sched-${s.id}">${s.name ?? s.id}</a>: ${cur ? html`<strong>${cur.user}</strong>` : 'nobody'}</li>`;
  })}</ul>`;
}

export function oncallRoutes(): UiRoute[] {
  return [
    {
      method: 'GET',
      url: '/oncall',
      access: 'viewer',
      summary: 'Who is on call now, the next handoffs and the overrides, per schedule.',
      handler: async ({ daemon, session, actor, refusal }) => {
        const now = daemon.clock.now();
        const policies = daemon.config.escalation_policies;
        const book = new OverrideBook(daemon);
        const schedules = await book.schedules();
        const changes: ChangesView = { stored: await book.list(), users: daemon.config.users.map((u) => u.name), actor: actor!, session, ...(refusal ? { refusal } : {}) };
        return page(daemon, {
          title: 'On call',
          session,
          nav: 'oncall',
          body: html`${refusal && !refusedInForm(refusal, schedules) ? refusalNotice(refusal) : ''}${schedules.length === 0 ? html`<p>No schedules configured.</p>` : schedules.map((s) => scheduleSection(s, now, changes))}
${feedSection(await new CalendarFeeds(daemon).forActor(actor!), actor!, session)}
${policies.length ? html`<section class="card"><h2>Escalation policies</h2>${policies.map((p) => html`<h3>${p.name ?? p.id}</h3><ol>${p.steps.map((st) => html`<li>${st.targets.map((t, i) => html`${i ? ', ' : ''}${'user' in t ? `user ${t.user}` : 'schedule' in t ? `schedule ${t.schedule}` : `channel ${t.channel}`}`)}${st.severities ? ` (${st.severities.join(', ')} only)` : ''} — ${st.afterOpenMs === 0 ? `as the incident opens${st.severities ? ' or is raised to one of these' : ''}` : st.afterOpenMs !== undefined ? `when unresolved after ${Math.round(st.afterOpenMs / 60_000)} min, even if acknowledged` : `then after ${Math.round(st.timeoutMs / 60_000)} min the next step`}</li>`)}</ol>${p.repeat ? html`<p>Repeats ${p.repeat} more time(s).</p>` : ''}`)}</section>` : ''}`,
        });
      },
    },
    ...oncallChangeRoutes(),
  ];
}
