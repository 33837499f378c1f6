import type { Actor } from '../../../identity/index.js';
import { OpsbookError, isOpsbookError } from '../../../lib/errors/index.js';
import { CalendarFeeds, formatInZone, OverrideBook, type CalendarFeed, type Schedule, type StoredOverride } from '../../../oncall/index.js';
import type { Session } from '../../sessions/index.js';
import { html, type Html } from '../html.js';
import { csrfField } from '../layout.js';
import type { UiContext, UiRoute } from '../route.js';
import { refusedFields, type FormPlace, type NamedField, type Refusal, type RefusedFields } from '../refusal.js';

const LABELS: Record<string, string> = {
  schedule: 'Schedule', user: 'Who covers', covers: 'Whose shift', with: 'Swaps with', start: 'From', end: 'Until',
  'return.start': 'They take your shift from', 'return.end': 'They take your shift until', reason: 'Reason',
};

/** A schedule id as an element id and address fragment: config ids are plain; anything else (typed into a forged form) is not used. */
const plainId = (sid: string): string | undefined => (/^[A-Za-z0-9_.-]{1,100}$/.test(sid) ? sid : undefined);

/** Where a refusal of a schedule's Cover a shift or Swap shifts form is shown: inside that form. */
const refusalId = (form: 'override' | 'swap', sid: string): string => `refused-${form}-${sid}`;

/** The form fields a refusal of the Cover a shift form may name (the domain's names for them), by element id. */
function overrideFields(sid: string): Record<string, NamedField> {
  return {
    user: { id: `o-user-${sid}`, label: LABELS.user! }, covers: { id: `o-covers-${sid}`, label: LABELS.covers! },
    start: { id: `o-start-${sid}`, label: LABELS.start! }, end: { id: `o-end-${sid}`, label: LABELS.end! }, reason: { id: `o-reason-${sid}`, label: LABELS.reason! },
  };
}

/** The same for the Swap shifts form. */
function swapFields(sid: string): Record<string, NamedField> {
  return {
    user: { id: `s-user-${sid}`, label: 'Who' }, with: { id: `s-with-${sid}`, label: LABELS.with! },
    start: { id: `s-start-${sid}`, label: LABELS.start! }, end: { id: `s-end-${sid}`, label: LABELS.end! },
    'return.start': { id: `s-rstart-${sid}`, label: LABELS['return.start']! }, 'return.end': { id: `s-rend-${sid}`, label: LABELS['return.end']! },
    return_start: { id: `s-rstart-${sid}`, label: LABELS['return.start']! }, return_end: { id: `s-rend-${sid}`, label: LABELS['return.end']! },
    reason: { id: `s-reason-${sid}`, label: LABELS.reason! },
  };
}

/** The Cover a shift or Swap shifts form's view of the page's refusal: shown in it when it is that form's. */
function formRefusal(refusal: Refusal | undefined, form: 'override' | 'swap', sid: string): RefusedFields {
  const mine = refusal?.form === `${form}:${sid}` ? refusal : undefined;
  return refusedFields(mine, form === 'override' ? overrideFields(sid) : swapFields(sid), refusalId(form, sid));
}

/** The forms of this page a refusal is shown in; any other refusal of the page is shown above the schedules. */
export function refusedInForm(refusal: Refusal | undefined, schedules: readonly Schedule[]): boolean {
  return schedules.some((s) => refusal?.form === `override:${s.id}` || refusal?.form === `swap:${s.id}`);
}

function local(at: number, tz: string): Html {
  return html`<time datetime="${new Date(at).toISOString()}">${formatInZone(at, tz).replace('T', ' ')}</time>`;
}

/** Whether the person may delete this override: an admin, or a responder who is part of it or made it. */
function mayDelete(actor: Actor, o: StoredOverride): boolean {
  return actor.role === 'admin' || (actor.role === 'responder' && [o.user, o.covers, o.createdBy].includes(actor.name));
}

/** Overrides people made (with delete buttons where allowed) and the forms to cover a shift or swap. */
export function overrideSection(schedule: Schedule, stored: readonly StoredOverride[], users: readonly string[], actor: Actor, session: Session | undefined, refusal?: Refusal): Html {
  const tz = schedule.timeZone;
  const people = [...new Set(schedule.layers.flatMap((l) => l.users))];
  const canChange = actor.role !== 'viewer';
  // A responder changes only their own shifts: the forms offer them, an admin gets everyone.
  const who = actor.role === 'admin' ? users : users.filter((u) => u === actor.name);
  const sid = schedule.id;
  const option = (u: string, chosen?: string) => html`<option${u === chosen ? html` selected` : ''}>${u}</option>`;
  // A refusal of one of the two forms is shown in it, opened, with what was typed.
  const o = formRefusal(refusal, 'override', sid);
  const w = formRefusal(refusal, 'swap', sid);
  return html`<div class="table-scroll" tabindex="0" role="region" aria-label="Overrides and swaps of ${schedule.name ?? sid}"><table data-overrides="${sid}">
<caption>Overrides and swaps made here</caption>
<thead><tr><th scope="col">Who</th><th scope="col">Covers</th><th scope="col">From</th><th scope="col">Until</th><th scope="col">Why</th><th scope="col">By</th>${canChange ? html`<th scope="col">Action</th>` : ''}</tr></thead>
<tbody>${stored.length
    ? stored.map((o) => html`<tr data-override="${o.id}"><td>${o.user}</td><td>${o.covers ?? '—'}</td><td>${local(o.start, tz)}</td><td>${local(o.end, tz)}</td><td>${o.reason}${o.swap ? ' (swap)' : ''}</td><td>${o.createdBy}</td>${canChange
      ? html`<td>${mayDelete(actor, o) ? html`<form method="post" action="/oncall/overrides/${encodeURIComponent(o.id)}/delete">${csrfField(session)}<button type="submit" aria-label="Delete override ${o.id}${o.swap ? ' and its swap partner' : ''}">Delete</button></form>` : ''}</td>`
      : ''}</tr>`)
    : html`<tr><td colspan="${canChange ? 7 : 6}">None current or upcoming.</td></tr>`}</tbody>
</table></div>
${canChange && who.length
    ? html`<details class="oncall-change"${o.notice ? html` open` : ''}><summary>Cover a shift</summary>
<form method="post" action="/oncall/overrides" class="stack">${csrfField(session)}<input type="hidden" name="schedule" value="${sid}">${o.notice}
<p><label for="o-user-${sid}">Who covers</label> <select id="o-user-${sid}" name="user" required${o.mark(`o-user-${sid}`)}>${who.map((u) => option(u, o.typed('user') ?? actor.name))}</select></p>
<p><label for="o-covers-${sid}">Whose shift</label> <select id="o-covers-${sid}" name="covers"${o.mark(`o-covers-${sid}`)}><option value="">(not said)</option>${people.map((u) => option(u, o.typed('covers')))}</select></p>
<p><label for="o-start-${sid}">From (${tz})</label> <input id="o-start-${sid}" name="start" type="datetime-local" required${o.value('start')}${o.mark(`o-start-${sid}`)}></p>
<p><label for="o-end-${sid}">Until (${tz})</label> <input id="o-end-${sid}" name="end" type="datetime-local" required${o.value('end')}${o.mark(`o-end-${sid}`)}></p>
<p><label for="o-reason-${sid}">Reason</label> <input id="o-reason-${sid}" name="reason" required maxlength="500"${o.value('reason')}${o.mark(`o-reason-${sid}`)}></p>
<p><button type="submit">Create override</button></p>
</form></details>
<details class="oncall-change"${w.notice ? html` open` : ''}><summary>Swap shifts</summary>
<form method="post" action="/oncall/swaps" class="stack">${csrfField(session)}<input type="hidden" name="schedule" value="${sid}">${w.notice}
<p><label for="s-user-${sid}">Who</label> <select id="s-user-${sid}" name="user" required${w.mark(`s-user-${sid}`)}>${who.map((u) => option(u, w.typed('user') ?? actor.name))}</select></p>
<p><label for="s-with-${sid}">Swaps with</label> <select id="s-with-${sid}" name="with" required${w.mark(`s-with-${sid}`)}>${people.map((u) => option(u, w.typed('with')))}</select></p>
<p><label for="s-start-${sid}">Takes their shift from (${tz})</label> <input id="s-start-${sid}" name="start" type="datetime-local" required${w.value('start')}${w.mark(`s-start-${sid}`)}></p>
<p><label for="s-end-${sid}">until</label> <input id="s-end-${sid}" name="end" type="datetime-local" required${w.value('end')}${w.mark(`s-end-${sid}`)}></p>
<p><label for="s-rstart-${sid}">They take the other’s shift from (${tz})</label> <input id="s-rstart-${sid}" name="return_start" type="datetime-local" required${w.value('return_start')}${w.mark(`s-rstart-${sid}`)}></p>
<p><label for="s-rend-${sid}">until</label> <input id="s-rend-${sid}" name="return_end" type="datetime-local" required${w.value('return_end')}${w.mark(`s-rend-${sid}`)}></p>
<p><label for="s-reason-${sid}">Reason</label> <input id="s-reason-${sid}" name="reason" required maxlength="500"${w.value('reason')}${w.mark(`s-reason-${sid}`)}></p>
<p><button type="submit">Create swap</button></p>
</form></details>`
    : ''}`;
}

/** The caller's calendar feed URLs (and, for an admin, everyone's feed ids), each with a Revoke button where allowed. */
export function feedSection(feeds: readonly CalendarFeed[], actor: Actor, session: Session | undefined): Html {
  const may = (f: CalendarFeed) => actor.role === 'admin' || (actor.role === 'responder' && f.kind === 'user' && f.subject === actor.name);
  return html`<section class="card" aria-labelledby="h-feeds"><h2 id="h-feeds">Calendar feeds</h2>
<p class="muted">Subscribe in a calendar app; the URL is the password. Revoke a URL that leaked: a new one is issued.</p>
<div class="table-scroll" tabindex="0" role="region" aria-label="Calendar feeds"><table data-feeds>
<thead><tr><th scope="col">Feed</th><th scope="col">URL</th><th scope="col">Action</th></tr></thead>
<tbody>${feeds.map((f) => html`<tr data-feed="${f.id}"><th scope="row">${f.kind === 'user' ? `${f.subject}'s shifts` : `schedule ${f.subject}`}</th><td>${f.url ? html`<code>${f.url}</code>` : html`<span class="muted">not yours</span>`}</td>
<td>${may(f) ? html`<form method="post" action="/oncall/feeds/${encodeURIComponent(f.id)}/revoke">${csrfField(session)}<button type="submit" aria-label="Revoke feed ${f.id}">Revoke</button></form>` : ''}</td></tr>`)}</tbody>
</table></div></section>`;
}

/** Runs a change; a refusal names the form field in the people's words. */
async function change(work: (at: (f: string) => string) => Promise<unknown>): Promise<void> {
  try {
    await work((f) => f);
  } catch (e) {
    if (isOpsbookError(e) && e.location?.path && LABELS[e.location.path]) {
      throw new OpsbookError(e.code, `${LABELS[e.location.path]}: ${e.message}`, { location: e.location });
    }
    throw e;
  }
}

const back = (ctx: UiContext) => ({ redirect: `/oncall#sched-${encodeURIComponent(ctx.form.schedule ?? '')}` });

/** A refused Cover a shift or Swap shifts form goes back to the On call page, shown in that form with what was typed. */
function refusedForm(form: 'override' | 'swap', action: string, keep: readonly string[]): (ctx: Pick<UiContext, 'form'>) => FormPlace {
  return ({ form: f }) => {
    const sid = plainId(f.schedule ?? '');
    return sid ? { page: '/oncall', form: `${form}:${sid}`, action, keep, anchor: refusalId(form, sid) } : { page: '/oncall', form: 'oncall', action };
  };
}

export function oncallChangeRoutes(): UiRoute[] {
  return [
    {
      method: 'POST',
      url: '/oncall/overrides',
      access: 'responder',
      summary: 'Cover a shift: create an override (form). A responder covers or hands over their own shifts; an admin anyone’s.',
      handler: async (ctx) => {
        const f = ctx.form;
        await change((at) => new OverrideBook(ctx.daemon).create(f.schedule ?? '', { user: f.user ?? '', ...(f.covers ? { covers: f.covers } : {}), start: f.start ?? '', end: f.end ?? '', reason: f.reason ?? '' }, ctx.actor!, at));
        return back(ctx);
      },
      refusals: refusedForm('override', 'Create override', ['user', 'covers', 'start', 'end', 'reason']),
    },
    {
      method: 'POST',
      url: '/oncall/swaps',
      access: 'responder',
      summary: 'Swap shifts between two people (form).',
      handler: async (ctx) => {
        const f = ctx.form;
        await change((at) =>
          new OverrideBook(ctx.daemon).swap(
            f.schedule ?? '',
            { user: f.user ?? '', with: f.with ?? '', start: f.start ?? '', end: f.end ?? '', return: { start: f.return_start ?? '', end: f.return_end ?? '' }, reason: f.reason ?? '' },
            ctx.actor!,
            at,
          ),
        );
        return back(ctx);
      },
      refusals: refusedForm('swap', 'Create swap', ['user', 'with', 'start', 'end', 'return_start', 'return_end', 'reason']),
    },
    {
      method: 'POST',
      url: '/oncall/feeds/:id/revoke',
      access: 'responder',
      summary: 'Revoke one calendar feed URL: a responder their own, an admin any (form).',
      handler: async (ctx) => {
        await new CalendarFeeds(ctx.daemon).revoke(ctx.params.id ?? '', ctx.actor!);
        return { redirect: '/oncall#h-feeds' };
      },
      refusals: ({ params }) => ({ page: '/oncall', form: 'feeds', action: `Revoke feed ${params.id ?? ''}` }),
    },
    {
      method: 'POST',
      url: '/oncall/overrides/:id/delete',
      access: 'responder',
      summary: 'Delete an override made here (both halves of a swap) (form).',
      handler: async (ctx) => {
        const [first] = await new OverrideBook(ctx.daemon).remove(ctx.params.id ?? '', ctx.actor!);
        return { redirect: `/oncall#sched-${encodeURIComponent(first?.schedule ?? '')}` };
      },
      refusals: ({ params }) => ({ page: '/oncall', form: 'overrides', action: `Delete override ${params.id ?? ''}` }),
    },
  ];
}
