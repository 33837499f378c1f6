import { StatusPage, PUBLIC_STATES, MAX_TITLE_CHARS, MAX_UPDATE_CHARS, type PublicIncident } from '../../../statuspage/index.js';
import { forgetStatusBars } from '../../routes/status.js';
import { enforceTeamWrite } from '../../teams.js';
import { findIncident } from '../../../store/index.js';
import { when } from '../components.js';
import { incidentReader } from '../data/incidents.js';
import { OPEN_STATES } from '../../../incidents/index.js';
import { html, type Html } from '../html.js';
import { csrfField, page } from '../layout.js';
import type { UiRoute } from '../route.js';
import type { Session } from '../../sessions/index.js';
import { refusalNotice, refusedFields, type NamedField, type Refusal } from '../refusal.js';

/** The publish form's fields a refusal may name, for the incident `id`. */
const publishFields = (id: string): Record<string, NamedField> => ({ title: { id: `p-title-${id}`, label: 'Public title' }, body: { id: `p-body-${id}`, label: 'First update' } });
/** The update form's fields a refusal may name, for the incident `id`. */
const updateFields = (id: string): Record<string, NamedField> => ({ state: { id: `u-state-${id}`, label: 'State' }, body: { id: `u-body-${id}`, label: 'Update for the public' } });

function publishForm(session: Session | undefined, incidentId: string, refusal: Refusal | undefined): Html {
  const { notice, typed, value, mark } = refusedFields(refusal, publishFields(incidentId));
  return html`<form method="post" action="/status/publish/${encodeURIComponent(incidentId)}" class="stack">${csrfField(session)}${notice}
<p><label for="p-title-${incidentId}">Public title</label> <input id="p-title-${incidentId}" name="title" required maxlength="${MAX_TITLE_CHARS}" size="50"${value('title')}${mark(`p-title-${incidentId}`)}></p>
<p><label for="p-body-${incidentId}">First update</label><br><textarea id="p-body-${incidentId}" name="body" required maxlength="${MAX_UPDATE_CHARS}" rows="3" cols="60"${mark(`p-body-${incidentId}`)}>${typed('body') ?? ''}</textarea></p>
<p><button type="submit">Publish</button></p></form>`;
}

function updateForm(session: Session | undefined, i: PublicIncident, refusal: Refusal | undefined): Html {
  const id = encodeURIComponent(i.incidentId);
  const { notice, typed, mark } = refusedFields(refusal, updateFields(i.incidentId));
  const chosen = typed('state') ?? i.updates[0]?.state ?? 'investigating';
  return html`<form method="post" action="/status/updates/${id}" class="stack">${csrfField(session)}${notice}
<p><label for="u-state-${i.incidentId}">State</label> <select id="u-state-${i.incidentId}" name="state"${mark(`u-state-${i.incidentId}`)}>${PUBLIC_STATES.map((s) => html`<option value="${s}"${s === chosen ? html` selected` : ''}>${s}</option>`)}</select></p>
<p><label for="u-body-${i.incidentId}">Update for the public</label><br><textarea id="u-body-${i.incidentId}" name="body" required maxlength="${MAX_UPDATE_CHARS}" rows="3" cols="60"${mark(`u-body-${i.incidentId}`)}>${typed('body') ?? ''}</textarea></p>
<p><button type="submit">Post update</button></p>
</form>`;
}

/** Where responders tell the public: publish an incident of a public service, then post updates. */
export function statusPublishRoutes(): UiRoute[] {
  return [
    {
      method: 'GET',
      url: '/status/publish',
      access: 'viewer',
      summary: 'What the public status page shows, and forms to publish incidents and post updates.',
      handler: async ({ daemon, session, actor, refusal }) => {
        const model = new StatusPage(daemon);
        const { active, history } = await model.incidents();
        const onPage = new Set([...active, ...history].map((i) => i.incidentId));
        // Every open incident, not the overview's newest few: an older one of a public service can be published too.
        const candidates = (await incidentReader(daemon).listAll({ state: OPEN_STATES })).filter((i) => !onPage.has(i.id) && model.publicService(i.service));
        const canAct = actor!.role !== 'viewer';
        // A refused form still on the page shows its refusal in it; one whose form is gone (published meanwhile, say) above the lists.
        const inForm = canAct && refusal !== undefined && (candidates.some((i) => refusal.form === `publish:${i.id}`) || [...active, ...history].some((i) => refusal.form === `update:${i.incidentId}`));
        const mode = daemon.config.status_page.publish === 'manual' ? 'Incidents appear only when someone publishes them here.' : `Incidents of public services still open after ${Math.round(daemon.config.status_page.publish_delay / 60_000)} min are published with fixed words; publish sooner here.`;
        return page(daemon, {
          title: 'Status page',
          session,
          nav: 'status',
          body: html`<p>${mode} <a href="/status">Open the public page</a>.</p>
${refusal && !inForm ? refusalNotice(refusal) : ''}
<section class="card" aria-labelledby="h-unpublished"><h2 id="h-unpublished">Open incidents not on the page</h2>
${candidates.length
  ? html`<ul class="stack">${candidates.map((i) => html`<li><p><a href="/incidents/${encodeURIComponent(i.id)}">${i.id}</a> ${i.severity} · ${model.publicService(i.service)!.name} · opened ${when(i.openedAt)}</p>
${canAct
  ? publishForm(session, i.id, refusal?.form === `publish:${i.id}` ? refusal : undefined)
  : ''}</li>`)}</ul>`
  : html`<p>None: every open incident of a public service is on the page, or none is open.</p>`}
</section>
<section class="card" aria-labelledby="h-published"><h2 id="h-published">On the page</h2>
${active.length + history.length
  ? html`<ul class="stack">${[...active, ...history].map((i) => html`<li><h3>${i.title}</h3>
<p class="muted"><a href="/incidents/${encodeURIComponent(i.incidentId)}">${i.incidentId}</a> · ${i.service?.name ?? ''} · published ${when(i.publishedAt)}${i.open ? '' : html` · over ${when(i.resolvedAt)}`}</p>
<ol class="updates">${i.updates.map((u) => html`<li><strong>${u.state}</strong> — ${u.body} <span class="muted">${u.author}, ${when(u.at)}</span></li>`)}</ol>
${canAct ? updateForm(session, i, refusal?.form === `update:${i.incidentId}` ? refusal : undefined) : ''}</li>`)}</ul>`
  : html`<p>Nothing published in the last ${daemon.config.status_page.history_days} days.</p>`}
</section>`,
        });
      },
    },
    {
      method: 'POST',
      url: '/status/publish/:id',
      access: 'responder',
      summary: 'Publish an incident on the status page with a public title and a first update (form).',
      handler: async ({ daemon, params, form, actor, request }) => {
        await enforceTeamWrite(daemon, request, actor!, (await findIncident(daemon.store.db, params.id ?? ''))?.service ?? undefined);
        await new StatusPage(daemon).publish(params.id ?? '', { title: form.title ?? '', body: form.body ?? '' }, actor!);
        forgetStatusBars(daemon);
        return { redirect: '/status/publish#h-published' };
      },
      refusals: ({ params }) => ({ page: '/status/publish', form: `publish:${params.id ?? ''}`, action: 'Publish', keep: ['title', 'body'] }),
    },
    {
      method: 'POST',
      url: '/status/updates/:id',
      access: 'responder',
      summary: 'Post an update about a published incident (form).',
      handler: async ({ daemon, params, form, actor, request }) => {
        await enforceTeamWrite(daemon, request, actor!, (await findIncident(daemon.store.db, params.id ?? ''))?.service ?? undefined);
        await new StatusPage(daemon).postUpdate(params.id ?? '', { state: (form.state ?? '') as never, body: form.body ?? '' }, actor!);
        forgetStatusBars(daemon);
        return { redirect: '/status/publish#h-published' };
      },
      refusals: ({ params }) => ({ page: '/status/publish', form: `update:${params.id ?? ''}`, action: 'Post update', keep: ['state', 'body'] }),
    },
  ];
}
