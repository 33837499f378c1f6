import type { Daemon } from '../../../daemon/index.js';
import { configuredLadder, INCIDENT_ROLES, INCIDENT_STATES, OPEN_STATES, severityFilterProblem, type IncidentRole } from '../../../incidents/index.js';
import { countDeliveries, countIncidents, latestDeliveries, listDeliveries, type DeliveryRow } from '../../../store/index.js';
import { mayWriteFor, type Actor } from '../../../identity/index.js';
import { teamLinks } from '../team-links.js';
import { enforceTeamWrite, teamView } from '../../teams.js';
import { operationsOf } from '../../routes/operations.js';
import { OpsbookError } from '../../../lib/errors/index.js';
import { heldMark, scrollingTable, severityBadge, when } from '../components.js';
import { incidentReader } from '../data/incidents.js';
import { checkRuleIds } from '../data/check-timeline.js';
import { html, type Html } from '../html.js';
import { csrfField, page } from '../layout.js';
import { notFoundPage } from './error.js';
import type { UiContext, UiResult, UiRoute } from '../route.js';
import { executionPanel, runButton } from './executions.js';
import { renderProcedure } from '../procedure.js';
import { findProcedureIn } from './procedure-ref.js';
import { actionBar, incidentHeader, incidentHeading, MOVES, timelinePanel, type Move } from './incident-view.js';
import { titleForm } from './incident-title.js';
import { refusalNotice, refusedFields, type FormPlace, type NamedField, type Refusal } from '../refusal.js';

/** How many incidents the list shows a page. */
const INCIDENT_PAGE = 100;
/** How many delivery attempts the incident page lists. */
const PAGE_DELIVERIES = 100;
/** How many the incident's delivery log shows a page. */
const LOG_PAGE = 500;

function deliveryTable(deliveries: readonly DeliveryRow[]): Html {
  return scrollingTable('Deliveries', html`<table><thead><tr><th scope="col">At</th><th scope="col">Channel</th><th scope="col">Attempt</th><th scope="col">Outcome</th><th scope="col">Detail</th></tr></thead>
<tbody>${deliveries.map((d) => html`<tr><td>${when(Number(d.at))}</td><td>${d.channel_id}</td><td>${d.attempt}</td><td>${d.outcome}</td><td>${d.status_code ?? ''} ${d.error ?? d.detail ?? ''}</td></tr>`)}</tbody></table>`);
}

/** Every delivery attempt of an incident's notifications, oldest first, a page at a time (`from`: how many earlier ones to skip). */
async function deliveryLog(ctx: UiContext): Promise<UiResult> {
  const { daemon, session, params, query } = ctx;
  const incident = await incidentReader(daemon).get(params.id ?? '');
  const from = query.from === undefined || query.from === '' ? 0 : Number(query.from);
  if (!Number.isSafeInteger(from) || from < 0) throw new OpsbookError('OPSBOOK_E_REQUEST_INVALID', `from= in the address must be a whole number of attempts to skip, not "${query.from}"`, { location: { path: 'query.from' } });
  const deliveries = await listDeliveries(daemon.store.db, { incidentId: incident.id, limit: LOG_PAGE, offset: from });
  const total = await countDeliveries(daemon.store.db, incident.id);
  const base = `/incidents/${encodeURIComponent(incident.id)}/deliveries`;
  const last = from + deliveries.length;
  return page(daemon, {
    title: `Deliveries of ${incident.title}`,
    session,
    nav: 'incidents',
    body: html`<p><a href="/incidents/${encodeURIComponent(incident.id)}">${incident.title}</a></p>
<p id="deliveries-range">${deliveries.length ? `Attempts ${from + 1}–${last} of ${total}, oldest first.` : `No delivery attempts${from ? ` after the first ${total}` : ''}.`}</p>
${deliveries.length ? deliveryTable(deliveries) : ''}
<p>${from > 0 ? html`<a href="${base}?from=${Math.max(0, from - LOG_PAGE)}">Earlier attempts</a> ` : ''}${last < total ? html`<a href="${base}?from=${last}">Later attempts (${total - last})</a>` : ''}</p>`,
  });
}

/**
 * The incident list's `state` (a lifecycle state, or `open` for every unresolved one) and `severity`:
 * the store filter, the query to keep in its links, and a few words for what they show.
 */
function listFilter(daemon: Daemon, query: Record<string, string | undefined>): { state: readonly string[] | undefined; severity: string | undefined; ruleIds: string[] | undefined; keep: Record<string, string>; what: string; of: string } {
  const stateQ = query.state || undefined;
  const severity = query.severity || undefined;
  if (stateQ !== undefined && stateQ !== 'open' && !(INCIDENT_STATES as readonly string[]).includes(stateQ)) {
    throw new OpsbookError('OPSBOOK_E_REQUEST_INVALID', `state= in the address must be open or one of ${INCIDENT_STATES.join(', ')}, not "${stateQ}"`, { location: { path: 'query.state' } });
  }
  const unknown = severity !== undefined ? severityFilterProblem(configuredLadder(daemon.config.severities).ids, severity) : undefined;
  if (unknown) throw new OpsbookError('OPSBOOK_E_REQUEST_INVALID', `severity= in the address: ${unknown}`, { location: { path: 'query.severity' } });
  const check = query.check || undefined;
  if (check !== undefined && !daemon.config.checks.some((c) => c.id === check)) {
    throw new OpsbookError('OPSBOOK_E_REQUEST_INVALID', `check= in the address names no configured check: "${check}"`, { location: { path: 'query.check' } });
  }
  const state = stateQ === 'open' ? OPEN_STATES : stateQ !== undefined ? [stateQ] : undefined;
  const keep = { ...(stateQ ? { state: stateQ } : {}), ...(severity ? { severity } : {}), ...(check ? { check } : {}) };
  return { state, severity, ruleIds: check ? checkRuleIds(daemon, check) : undefined, keep, what: [stateQ, severity].filter(Boolean).map((w) => `${w} `).join(''), of: check ? ` of check ${check}` : '' };
}

/** The action bar's fields a refusal may name (`responder`: the field an added responder is chosen in). */
function actionFields(refusal: Refusal): Record<string, NamedField> {
  const note = { id: 'incident-note', label: 'Note for the timeline' };
  const person = refusal.action === ACTION_LABELS.responder ? { id: 'incident-responder', label: 'Responder' } : { id: 'incident-person', label: 'Person' };
  return { note, text: note, severity: { id: 'incident-severity', label: 'Severity' }, role: { id: 'incident-role', label: 'Role' }, person, responder: { id: 'incident-responder', label: 'Responder' } };
}

/**
 * The incident page. `ctx.refusal`: what one of its forms refused, carried across the redirect: the
 * title form shows its own with what was typed; any other (the action bar's, a Finish, a Run, or a
 * form the person may no longer use) stands above the page, with the action bar's note given back.
 */
async function incidentPage(ctx: UiContext): Promise<UiResult> {
  const { daemon, session, params, reply, refusal } = ctx;
  const reader = incidentReader(daemon);
  const incident = await reader.get(params.id ?? '').catch(() => undefined);
  if (!incident) {
    void reply.status(404);
    return notFoundPage(daemon, session, 'incident', html`incident <code>${params.id ?? ''}</code>`, refusal ? refusalNotice(refusal) : undefined);
  }
  // The latest attempts (the ones a responder acts on); the note counts the earlier ones and links to the whole log.
  const deliveries = await latestDeliveries(daemon.store.db, incident.id, PAGE_DELIVERIES);
  const deliveryCount = deliveries.length === PAGE_DELIVERIES ? await countDeliveries(daemon.store.db, incident.id) : deliveries.length;
  const earlier = deliveryCount - deliveries.length;
  const linked = incident.runbook ? findProcedureIn(daemon.runbooks, incident.runbook) : undefined;
  // A team that restricts writes shows its incidents' buttons only to its members (and admins).
  const canRespond = ctx.actor!.role !== 'viewer' && mayWriteFor(daemon.config.teams, ctx.actor!, incident.service).ok;
  const titleRefusal = canRespond && refusal?.form === 'title' ? refusal : undefined;
  const pageRefusal = refusal && !titleRefusal ? refusal : undefined;
  return page(daemon, {
    title: incident.title,
    heading: incidentHeading(incident),
    session,
    nav: 'incidents',
    live: true,
    scripts: canRespond ? ['/ui/static/incident.js'] : [],
    body: html`<div class="cockpit"${canRespond ? '' : html` data-read-only`}>
${pageRefusal ? refusalNotice(pageRefusal, pageRefusal.form === 'actions' ? actionFields(pageRefusal) : {}) : ''}
${await incidentHeader(daemon, incident)}
${canRespond ? actionBar(daemon, incident, session, pageRefusal?.form === 'actions' ? pageRefusal.kept.note : undefined) : ''}
${canRespond ? titleForm(incident, session, titleRefusal) : ''}
<p class="cockpit-links"><a href="/incidents/${encodeURIComponent(incident.id)}/review">Post-incident review</a>${canRespond ? html` · <span class="muted">Keys: <kbd>a</kbd> acknowledge, <kbd>i</kbd> investigating, <kbd>m</kbd> mitigated, <kbd>r</kbd> resolve, <kbd>e</kbd> escalate, <kbd>n</kbd> note</span>` : ''}</p>
<div class="cockpit-grid">
${await timelinePanel(daemon, incident.id)}
<div class="cockpit-work">
${await executionPanel(daemon, incident.id, canRespond ? { session } : undefined)}
${linked
  ? html`<div class="card runbook" tabindex="0" role="region" aria-label="Runbook ${linked.procedure.id}">
${renderProcedure(linked.runbook, linked.procedure, { level: 2, actions: canRespond ? (step, n) => runButton(incident.id, incident.runbook!, step, n, session) : undefined })}
</div>`
  : incident.runbook && /^https?:\/\//i.test(incident.runbook)
    ? html`<p class="notice">Runbook: <a href="${incident.runbook}" rel="noopener noreferrer">${incident.runbook}</a> (no local runbook matches this link; the runbooks settings' url_prefixes map links to files)</p>`
    : incident.runbook ? html`<p class="notice">Runbook ${incident.runbook} is not among the configured runbooks.</p>` : ''}
</div>
</div>
<details class="card"><summary><h2 id="h-deliveries">Deliveries (${deliveryCount})</h2></summary>
${earlier > 0 ? html`<p class="notice" id="deliveries-earlier">${earlier} earlier delivery ${earlier === 1 ? 'attempt' : 'attempts'} not shown here; the latest ${deliveries.length} are below. All of them: <a href="/incidents/${encodeURIComponent(incident.id)}/deliveries">the delivery log</a></p>` : ''}
${deliveries.length
  ? deliveryTable(deliveries)
  : html`<p class="muted">No delivery attempts yet.</p>`}
</details>
</div>`,
  });
}

/** Moves an incident through the daemon's pipeline (so escalation stops and notifications follow). */
async function move(daemon: Daemon, id: string, action: Move, actor: Actor, note: string | undefined): Promise<void> {
  if (daemon.operations) await daemon.operations.act(id, action, actor, note);
  else await incidentReader(daemon)[action](id, actor, note);
}

function knownPerson(daemon: Daemon, person: string, path: string): string {
  if (!daemon.config.users.some((u) => u.name === person)) throw new OpsbookError('OPSBOOK_E_INCIDENT_INVALID', `${person || 'nobody'} is not one of the configured users`, { location: { path } });
  return person;
}

/** What each of the action bar's buttons says, for its refusals. */
const ACTION_LABELS: Record<string, string> = {
  ...Object.fromEntries(MOVES.map((m) => [m.action, m.label])),
  escalate: 'Escalate',
  note: 'Add note',
  severity: 'Change severity',
  role: 'Assign role',
  responder: 'Add responder',
};

/** Where the incident page's forms are, for their refusals: the incident's page. */
function onIncidentPage(form: string, action: string, keep: readonly string[] = []): (ctx: Pick<UiContext, 'params'>) => FormPlace {
  return ({ params }) => ({ page: `/incidents/${encodeURIComponent(params.id ?? '')}`, form, action, keep });
}

/** The action bar's one form: the button pressed names the action, the note goes with it. */
async function act(ctx: UiContext): Promise<UiResult> {
  const { daemon, params, form, actor, request } = ctx;
  const id = params.id ?? '';
  await enforceTeamWrite(daemon, request, actor!, (await incidentReader(daemon).get(id)).service);
  const note = form.note?.trim() || undefined;
  const reader = incidentReader(daemon);
  const action = form.action ?? '';
  const m = MOVES.find((x) => x.action === action);
  if (m) await move(daemon, id, m.action, actor!, note);
  else if (action === 'note') {
    if (!note) throw new OpsbookError('OPSBOOK_E_INCIDENT_INVALID', 'write the note first', { location: { path: 'note' } });
    await reader.addNote(id, actor!, note);
  } else if (action === 'severity') {
    await operationsOf(daemon).changeSeverity(id, form.severity ?? '', actor!, note);
  } else if (action === 'escalate') {
    await operationsOf(daemon).escalate(id, actor!, note);
  } else if (action === 'responder') {
    await operationsOf(daemon).addResponder(id, form.responder ?? '', actor!);
    if (note) await reader.addNote(id, actor!, note);
  } else if (action === 'role') {
    await reader.assignRole(id, (form.role ?? '') as IncidentRole, knownPerson(daemon, form.person ?? '', 'person'), actor!);
    if (note) await reader.addNote(id, actor!, note);
  } else throw new OpsbookError('OPSBOOK_E_INCIDENT_INVALID', `unknown action "${action}"`, { location: { path: 'action' } });
  return { redirect: `/incidents/${encodeURIComponent(id)}` };
}

/**
 * The title form: a title of a person's own, as the API's `POST /api/incidents/ID/title` gives it (its
 * timeline line, audit entry and role checks). A title refused (empty, too long) comes back in the
 * form on the incident's page, with what was typed (see `refusals` of its route).
 */
async function retitle(ctx: UiContext): Promise<UiResult> {
  const { daemon, params, form, actor, request } = ctx;
  const id = params.id ?? '';
  await enforceTeamWrite(daemon, request, actor!, (await incidentReader(daemon).get(id)).service);
  await (daemon.operations?.incidents ?? incidentReader(daemon)).retitle(id, form.title ?? '', actor!);
  return { redirect: `/incidents/${encodeURIComponent(id)}` };
}

/** The Declare form's fields a refusal may name (the domain's names for them too), by element id. */
const DECLARE_FIELDS: Record<string, NamedField> = {
  title: { id: 'title', label: 'Title' }, severity: { id: 'severity', label: 'Severity' }, service: { id: 'service', label: 'Service' },
  runbook: { id: 'runbook', label: 'Runbook' }, commander: { id: 'commander', label: 'Incident commander' },
  communications: { id: 'communications', label: 'Communications lead' }, description: { id: 'description', label: 'What is happening' },
};
const DECLARE_KEEP = Object.keys(DECLARE_FIELDS);

async function declarePage(ctx: UiContext): Promise<UiResult> {
  const { daemon, session } = ctx;
  // A refused declaration comes back here with what was typed, the field at fault marked.
  const { notice, typed, value, mark } = refusedFields(ctx.refusal?.form === 'declare' ? ctx.refusal : undefined, DECLARE_FIELDS);
  const chosen = (name: string, option: string) => (typed(name) === option ? html` selected` : '');
  const procedures = daemon.runbooks.flatMap((r) => r.procedures.map((p) => ({ ref: `${r.file}#${p.id}`, title: p.title })));
  const ladder = configuredLadder(daemon.config.severities);
  const people = daemon.config.users.map((u) => u.name);
  const person = (id: string, label: string, self: boolean) => html`<p><label for="${id}">${label}</label>
<select id="${id}" name="${id}"${mark(id)}><option value="">— nobody yet —</option>${people.map((p) => html`<option${typed(id) !== undefined ? chosen(id, p) : self && p === ctx.actor!.name ? ' selected' : ''}>${p}</option>`)}</select></p>`;
  return page(daemon, {
    title: 'Declare an incident',
    session,
    nav: 'incidents',
    body: html`<form method="post" action="/incidents" class="card declare">${csrfField(session)}${notice}
<p><label for="title">Title</label><input id="title" name="title" required maxlength="500" autofocus${value('title')}${mark('title')}></p>
<p><label for="severity">Severity</label><select id="severity" name="severity"${mark('severity')}>${ladder.severities.map((s) => html`<option value="${s.id}"${chosen('severity', s.id)}>${s.id} — ${s.name}</option>`)}</select></p>
<p><label for="service">Service</label><select id="service" name="service"${mark('service')}><option value="">— none —</option>${daemon.config.services.map((s) => html`<option value="${s.id}"${chosen('service', s.id)}>${s.name ?? s.id}</option>`)}</select></p>
<p><label for="runbook">Runbook</label><select id="runbook" name="runbook"${mark('runbook')}><option value="">— none —</option>${procedures.map((p) => html`<option value="${p.ref}"${chosen('runbook', p.ref)}>${p.ref} — ${p.title}</option>`)}</select></p>
${person('commander', 'Incident commander', true)}
${person('communications', 'Communications lead', false)}
<p><label for="description">What is happening</label><textarea id="description" name="description" rows="3" maxlength="10000"${mark('description')}>${typed('description') ?? ''}</textarea></p>
<p><button type="submit">Declare incident</button> <a href="/incidents">Cancel</a></p>
</form>`,
  });
}

async function declare(ctx: UiContext): Promise<UiResult> {
  const { daemon, form, actor } = ctx;
  const roles: Array<{ role: IncidentRole; person: string }> = [];
  for (const role of INCIDENT_ROLES) if (form[role]) roles.push({ role, person: knownPerson(daemon, form[role]!, role) });
  const input = {
    title: form.title ?? '',
    severity: form.severity ?? '',
    ...(form.service ? { service: form.service } : {}),
    ...(form.runbook ? { runbook: form.runbook } : {}),
    ...(form.description?.trim() ? { description: form.description.trim() } : {}),
    roles,
  };
  if (input.service && !daemon.config.services.some((s) => s.id === input.service)) {
    throw new OpsbookError('OPSBOOK_E_INCIDENT_INVALID', `service "${input.service}" is not configured`, { location: { path: 'service' } });
  }
  const reader = incidentReader(daemon);
  let id: string;
  if (daemon.operations) id = (await daemon.operations.declare(input, actor!)).id;
  else {
    const { roles: given, ...rest } = input;
    id = (await reader.create(rest, actor!)).incident.id;
    for (const r of given) await reader.assignRole(id, r.role, r.person, actor!);
  }
  return { redirect: `/incidents/${encodeURIComponent(id)}` };
}

export function incidentRoutes(): UiRoute[] {
  return [
    {
      method: 'GET',
      url: '/incidents',
      access: 'viewer',
      summary: 'Incidents, newest first, a page at a time (`before`: the last of the previous page); `state` (a state, or `open`), `severity` and `check` (its alerts\' incidents) narrow them.',
      handler: async ({ daemon, session, actor, query }) => {
        const view = teamView(daemon, actor!, query.team);
        const before = query.before || undefined;
        const { state, severity, ruleIds, keep, what, of } = listFilter(daemon, query);
        const filter = { ...(state ? { state } : {}), ...(severity ? { severity } : {}), ...(ruleIds ? { ruleIds } : {}), ...(view ? { services: view } : {}) };
        const list = await incidentReader(daemon).list({ ...filter, limit: INCIDENT_PAGE, ...(before ? { before } : {}) });
        // A full page may have older ones: say how many (of the view and filter shown) and link to them.
        const next = list.length === INCIDENT_PAGE ? list.at(-1)!.id : undefined;
        const older = next ? await countIncidents(daemon.store.db, { ...filter, before: next }) : 0;
        const olderHref = next ? `/incidents?${new URLSearchParams({ ...(query.team ? { team: query.team } : {}), ...keep, before: next })}` : '';
        return page(daemon, {
          title: 'Incidents',
          session,
          nav: 'incidents',
          body: html`${actor!.role !== 'viewer' ? html`<p><a class="button" href="/incidents/new">Declare an incident</a></p>` : ''}
${teamLinks(daemon, actor!, query.team, '/incidents', keep)}
${what || of ? html`<p class="filters" id="incidents-filter">Showing ${what}incidents${of} only: <a href="/incidents${query.team ? `?${new URLSearchParams({ team: query.team })}` : ''}">every incident</a></p>` : ''}
${list.length
  ? scrollingTable('Incidents', html`<table><thead><tr><th scope="col">Incident</th><th scope="col">Severity</th><th scope="col">State</th><th scope="col">Opened</th><th scope="col">Service</th></tr></thead>
<tbody>${list.map((i) => html`<tr><th scope="row"><a href="/incidents/${encodeURIComponent(i.id)}">${i.title}</a></th><td>${severityBadge(i.severity)}</td><td>${i.state}${i.heldBy ? html`<br>${heldMark(i.heldBy)}` : ''}</td><td>${when(i.openedAt)}</td><td>${i.service ?? ''}</td></tr>`)}</tbody></table>`)
  : html`<p>${before ? `No ${what}incidents${of} older than the previous page.` : `No ${what}incidents${of}.`}</p>`}
${older > 0 ? html`<p class="notice" id="incidents-older">${older} older ${what}${older === 1 ? 'incident' : 'incidents'}${of} not shown here: <a href="${olderHref}">next page</a></p>` : ''}`,
        });
      },
    },
    { method: 'GET', url: '/incidents/new', access: 'responder', summary: 'Form to declare an incident by hand.', handler: declarePage },
    {
      method: 'POST',
      url: '/incidents',
      access: 'responder',
      summary: 'Declare an incident: title, severity, service, commander and communications lead (form).',
      handler: declare,
      refusals: () => ({ page: '/incidents/new', form: 'declare', action: 'Declare incident', keep: DECLARE_KEEP }),
    },
    { method: 'GET', url: '/incidents/:id', access: 'viewer', summary: 'One incident: header, action bar, timeline beside the runbook with Run buttons, executions, deliveries.', handler: incidentPage },
    { method: 'GET', url: '/incidents/:id/deliveries', access: 'viewer', summary: 'Every delivery attempt of an incident’s notifications, oldest first, a page at a time.', handler: deliveryLog },
    {
      method: 'POST',
      url: '/incidents/:id/title',
      access: 'responder',
      summary: 'Give the incident a title of a person\'s own; a worse alert joining never replaces it (form).',
      handler: retitle,
      refusals: (ctx) => ({ ...onIncidentPage('title', 'Change title', ['title'])(ctx), anchor: 'h-retitle' }),
    },
    {
      method: 'POST',
      url: '/incidents/:id/act',
      access: 'responder',
      summary: 'The action bar: move the incident, escalate, add a note, change severity, add a responder or assign a role (form).',
      handler: act,
      refusals: (ctx) => onIncidentPage('actions', ACTION_LABELS[ctx.form.action ?? ''] ?? 'That action', ['note'])(ctx),
    },
    ...MOVES.map(
      (a): UiRoute => ({
        method: 'POST',
        url: `/incidents/:id/${a.action}`,
        access: 'responder',
        summary: `${a.label} an incident (form).`,
        refusals: onIncidentPage('actions', a.label, ['note']),
        handler: async ({ daemon, params, form, actor, request }) => {
          await enforceTeamWrite(daemon, request, actor!, (await incidentReader(daemon).get(params.id ?? '')).service);
          await move(daemon, params.id ?? '', a.action, actor!, form.note?.trim() || undefined);
          return { redirect: `/incidents/${encodeURIComponent(params.id ?? '')}` };
        },
      }),
    ),
    {
      method: 'POST',
      url: '/incidents/:id/notes',
      access: 'responder',
      summary: 'Add a note to an incident’s timeline (form).',
      refusals: onIncidentPage('actions', 'Add note'),
      handler: async ({ daemon, params, form, actor, request }) => {
        await enforceTeamWrite(daemon, request, actor!, (await incidentReader(daemon).get(params.id ?? '')).service);
        await incidentReader(daemon).addNote(params.id ?? '', actor!, form.text ?? '');
        return { redirect: `/incidents/${encodeURIComponent(params.id ?? '')}#h-timeline` };
      },
    },
  ];
}
