import { activeOccurrence, silenceFromRow, type Matcher } from '../../../incidents/index.js';
import { scrollingTable, when } from '../components.js';
import { incidentReader } from '../data/incidents.js';
import { configText, html, type Html } from '../html.js';
import { csrfField, page } from '../layout.js';
import type { UiRoute } from '../route.js';
import { findSilence } from '../../../store/index.js';
import { OpsbookError } from '../../../lib/errors/index.js';
import { enforceSilenceWrite, silenceShown, teamFilter } from '../../teams.js';
import { teamLinks } from '../team-links.js';
import { refusalNotice, type NamedField } from '../refusal.js';

/** The New silence form's fields a refusal may name. */
const SILENCE_FIELDS: Record<string, NamedField> = {
  label: { id: 's-label', label: 'Label' },
  value: { id: 's-value', label: 'Equals' },
  hours: { id: 's-hours', label: 'For (hours)' },
  comment: { id: 's-comment', label: 'Why' },
  // The domain's names for the same fields, as its checks say them.
  'matchers[0].label': { id: 's-label', label: 'Label' },
  'matchers[0].value': { id: 's-value', label: 'Equals' },
  matchers: { id: 's-value', label: 'Equals' },
  endsAt: { id: 's-hours', label: 'For (hours)' },
};

/** A field of the New silence form: what was typed in it before a refusal, else its default. */
const typedOr = (kept: Record<string, string> | undefined, name: string, fallback: string): string => kept?.[name] ?? fallback;

/** How long a silence made from the form may last, in hours (a quarter of an hour to 30 days). */
const SILENCE_HOURS = { min: 0.25, max: 720 };

function matchers(ms: Matcher[]): Html {
  return html`${ms.map((m, i) => html`${i ? ', ' : ''}<code>${m.label}${m.op}${m.value}</code>`)}`;
}

export function maintenanceRoutes(): UiRoute[] {
  return [
    {
      method: 'GET',
      url: '/maintenance',
      access: 'viewer',
      summary: 'Maintenance windows (open now or next) and silences, configured and created at runtime.',
      handler: async ({ daemon, session, actor, query, refusal }) => {
        const now = daemon.clock.now();
        // A refusal of the New silence form is shown in it, with what was typed; any other (Expire) above the silences.
        const formRefusal = refusal?.form === 'silence' && actor!.role !== 'viewer' ? refusal : undefined;
        const kept = formRefusal?.kept;
        const invalid = (name: string) => (formRefusal?.field !== undefined && SILENCE_FIELDS[formRefusal.field]?.id === SILENCE_FIELDS[name]!.id ? html` aria-invalid="true" aria-describedby="refused"` : '');
        const windows = daemon.config.maintenance;
        const show = teamFilter(daemon, actor!, query.team);
        // The silence book reads the stored rows (their matchers column holds more than the list).
        const silences = (await incidentReader(daemon).silences.live(now)).filter((s) => silenceShown(show, s.matchers));
        const canChange = actor!.role !== 'viewer';
        return page(daemon, {
          title: 'Maintenance & silences',
          session,
          nav: 'maintenance',
          body: html`
<section class="card" aria-labelledby="h-windows"><h2 id="h-windows">Maintenance windows</h2>
<p class="muted">Windows hold back notifications; incidents still open.</p>
${windows.length
  ? scrollingTable('Maintenance windows', html`<table><thead><tr><th scope="col">Window</th><th scope="col">When</th><th scope="col">Now</th><th scope="col">Covers</th><th scope="col">Why</th></tr></thead>
<tbody>${windows.map((w) => {
    const open = activeOccurrence(w, now);
    return html`<tr><th scope="row">${w.id}</th><td>${w.cron ? html`<code>${w.cron}</code> (${w.timeZone}) for ${Math.round((w.durationMs ?? 0) / 60_000)} min` : html`${when(w.start)} – ${when(w.end)}`}</td>
<td>${open ? html`<strong>open</strong> until ${when(open.end)}` : 'closed'}</td>
<td>${w.services.length ? w.services.join(', ') : 'all services'}${w.matchers.length ? html`; ${matchers(w.matchers)}` : ''}</td><td>${w.comment ? configText(w.comment) : ''}</td></tr>`;
  })}</tbody></table>`)
  : html`<p>No maintenance windows configured.</p>`}
</section>
<section class="card" aria-labelledby="h-silences"><h2 id="h-silences">Silences</h2>
${refusal && !formRefusal ? refusalNotice(refusal) : ''}
${teamLinks(daemon, actor!, query.team, '/maintenance')}
${silences.length
  ? scrollingTable('Silences', html`<table><thead><tr><th scope="col">Matchers</th><th scope="col">From</th><th scope="col">Until</th><th scope="col">By</th><th scope="col">Why</th><th scope="col">Origin</th>${canChange ? html`<th scope="col">Action</th>` : ''}</tr></thead>
<tbody>${silences.map((s) => html`<tr><td>${matchers(s.matchers)}${s.warning ? html`<p class="notice" id="warning-${s.id}"><strong>Takes in too much:</strong> ${s.warning}</p>` : ''}</td><td>${when(s.startsAt)}</td><td>${when(s.endsAt)}</td><td>${s.createdBy}</td><td>${configText(s.comment)}</td><td>${s.origin === 'config' ? 'ops.yaml' : 'runtime'}</td>
${canChange ? html`<td>${s.origin === 'runtime' ? html`<form method="post" action="/maintenance/silences/${encodeURIComponent(s.id)}/expire">${csrfField(session)}<button type="submit" aria-label="Expire silence ${s.id}">Expire</button></form>` : html`<span class="muted">edit ops.yaml</span>`}</td>` : ''}</tr>`)}</tbody></table>`)
  : html`<p>No live silences.</p>`}
${canChange
  ? html`<h3>New silence</h3>
<form method="post" action="/maintenance/silences" class="stack">${csrfField(session)}
${formRefusal ? refusalNotice(formRefusal, SILENCE_FIELDS) : ''}
<p><label for="s-label">Label</label> <input id="s-label" name="label" required pattern="[A-Za-z_][A-Za-z0-9_]*" value="${typedOr(kept, 'label', 'service')}"${invalid('label')}></p>
<p><label for="s-value">Equals</label> <input id="s-value" name="value" required value="${typedOr(kept, 'value', '')}"${invalid('value')}></p>
<p><label for="s-hours">For (hours)</label> <input id="s-hours" name="hours" type="number" min="${SILENCE_HOURS.min}" max="${SILENCE_HOURS.max}" step="0.25" value="${typedOr(kept, 'hours', '2')}" required${invalid('hours')}></p>
<p><label for="s-comment">Why</label> <input id="s-comment" name="comment" required maxlength="500" value="${typedOr(kept, 'comment', '')}"${invalid('comment')}></p>
<p><button type="submit">Create silence</button></p>
</form>`
  : ''}
</section>`,
        });
      },
    },
    {
      method: 'POST',
      url: '/maintenance/silences',
      access: 'responder',
      summary: 'Create a silence for a label value (form).',
      refusals: () => ({ page: '/maintenance', form: 'silence', action: 'Create silence', keep: ['label', 'value', 'hours', 'comment'] }),
      handler: async ({ daemon, form, actor, request }) => {
        // The span the form offers; anything else is refused with the field named (not "must end after it starts", nor a silence for years).
        const raw = (form.hours ?? '').trim();
        const hours = raw === '' ? NaN : Number(raw);
        if (!(hours >= SILENCE_HOURS.min && hours <= SILENCE_HOURS.max)) {
          throw new OpsbookError('OPSBOOK_E_SILENCE_INVALID', `For (hours) must be a number from ${SILENCE_HOURS.min} to ${SILENCE_HOURS.max} (got "${form.hours ?? ''}")`, { location: { path: 'hours' } });
        }
        // An empty value would match every incident WITHOUT the label, not one service: refused (docs/api.md, Silences).
        const value = form.value ?? '';
        if (value.trim() === '') {
          throw new OpsbookError('OPSBOOK_E_SILENCE_INVALID', `Equals must not be empty: ${form.label ?? 'the label'}="" would silence every incident without that label`, { location: { path: 'value' } });
        }
        const now = daemon.clock.now();
        const matchers = [{ label: form.label ?? '', op: '=' as const, value }];
        await enforceSilenceWrite(daemon, request, actor!, matchers);
        await incidentReader(daemon).createSilence(
          { matchers, startsAt: now, endsAt: now + hours * 3_600_000, comment: form.comment ?? '' },
          actor!,
        );
        return { redirect: '/maintenance#h-silences' };
      },
    },
    {
      method: 'POST',
      url: '/maintenance/silences/:id/expire',
      access: 'responder',
      summary: 'End a runtime silence early (form).',
      refusals: ({ params }) => ({ page: '/maintenance', form: 'expire', action: `Expire silence ${params.id ?? ''}` }),
      handler: async ({ daemon, params, actor, request }) => {
        const row = await findSilence(daemon.store.db, params.id ?? '');
        if (row) await enforceSilenceWrite(daemon, request, actor!, silenceFromRow(row).matchers);
        // Through the pipeline when it runs, so the pages the silence held go out.
        if (daemon.operations) await daemon.operations.expireSilence(params.id ?? '', actor!);
        else await incidentReader(daemon).expireSilence(params.id ?? '', actor!);
        return { redirect: '/maintenance#h-silences' };
      },
    },
  ];
}
