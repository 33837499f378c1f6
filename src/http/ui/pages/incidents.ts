import type { Daemon } from '../../../daemon/index.js';
import type { Incident } from '../../../incidents/index.js';
import { ALLOWED_TRANSITIONS } from '../../../incidents/index.js';
import { listDeliveries } from '../../../store/index.js';
import { mayWriteFor, teamsOf, type Actor } from '../../../identity/index.js';
import { enforceTeamWrite, teamView } from '../../teams.js';
import { severityBadge, when } from '../components.js';
import { incidentReader } from '../data/incidents.js';
import { loadRunbooks } from '../data/runbooks.js';
import { html, type Html } from '../html.js';
import { csrfField, page } from '../layout.js';
import type { Session } from '../../sessions/index.js';
import type { UiContext, UiResult, UiRoute } from '../route.js';
import { executionPanel, runButton } from './executions.js';
import { renderProcedure } from '../procedure.js';
import { findProcedureIn } from './procedure-ref.js';

const ACTIONS = [
  { action: 'acknowledge', label: 'Acknowledge', to: 'acknowledged' },
  { action: 'investigate', label: 'Investigating', to: 'investigating' },
  { action: 'mitigate', label: 'Mitigated', to: 'mitigated' },
  { action: 'resolve', label: 'Resolve', to: 'resolved' },
] as const;

function allowedFrom(incident: Incident): Set<string> {
  return new Set((ALLOWED_TRANSITIONS as Record<string, readonly string[]>)[incident.state] ?? []);
}

function actionForms(incident: Incident, session: Session | undefined): Html {
  const allowed = allowedFrom(incident);
  const available = ACTIONS.filter((a) => allowed.has(a.to));
  if (available.length === 0) return html``;
  return html`<section class="card" aria-labelledby="h-actions"><h2 id="h-actions">Respond</h2>
<div class="actions">${available.map(
    (a) => html`<form method="post" action="/incidents/${encodeURIComponent(incident.id)}/${a.action}">
${csrfField(session)}
<label for="note-${a.action}">Note (optional)<span class="visually-hidden"> for ${a.label}</span></label>
<input id="note-${a.action}" name="note" maxlength="2000">
<button type="submit" class="btn-${a.action}">${a.label}</button>
</form>`,
  )}</div></section>`;
}

async function incidentPage(ctx: UiContext): Promise<UiResult> {
  const { daemon, session, params, reply } = ctx;
  const reader = incidentReader(daemon);
  const incident = await reader.get(params.id ?? '').catch(() => undefined);
  if (!incident) {
    void reply.status(404);
    return page(daemon, { title: 'Incident not found', session, nav: 'incidents', body: html`<p>No incident <code>${params.id ?? ''}</code>. <a href="/incidents">All incidents</a></p>` });
  }
  const timeline = await reader.timeline(incident.id);
  const deliveries = await listDeliveries(daemon.store.db, { incidentId: incident.id, limit: 100 });
  const { runbooks } = await loadRunbooks(daemon);
  const linked = incident.runbook ? findProcedureIn(runbooks, incident.runbook) : undefined;
  // A team that restricts writes shows its incidents' buttons only to its members (and admins).
  const canRespond = ctx.actor!.role !== 'viewer' && mayWriteFor(daemon.config.teams, ctx.actor!, incident.service).ok;
  return page(daemon, {
    title: incident.title,
    session,
    nav: 'incidents',
    live: true,
    body: html`
<p class="incident-head" data-live="incident:${incident.id}">${severityBadge(incident.severity)} <span class="istate istate-${incident.state}" data-incident-state="${incident.state}">${incident.state}</span>
 · opened ${when(incident.openedAt)}${incident.acknowledgedAt ? html` · acknowledged ${when(incident.acknowledgedAt)}` : ''}${incident.resolvedAt ? html` · resolved ${when(incident.resolvedAt)}` : ''}${incident.service ? html` · service ${incident.service}` : ''}</p>
${canRespond ? actionForms(incident, session) : ''}
${linked
  ? html`<div class="card runbook">
${renderProcedure(linked.runbook, linked.procedure, { level: 2, actions: canRespond ? (step, n) => runButton(incident.id, incident.runbook!, step, n, session) : undefined })}
</div>`
  : incident.runbook && /^https?:\/\//i.test(incident.runbook)
    ? html`<p class="notice">Runbook: <a href="${incident.runbook}" rel="noopener noreferrer">${incident.runbook}</a> (no local runbook matches this link; see runbooks.url_prefixes)</p>`
    : incident.runbook ? html`<p class="notice">Runbook ${incident.runbook} is not among the configured runbooks.</p>` : ''}
${await executionPanel(daemon, incident.id)}
<section class="card" aria-labelledby="h-timeline"><h2 id="h-timeline">Timeline</h2>
<ol class="timeline">${timeline.map((e) => html`<li class="tl tl-${e.kind}">${when(e.at)} <span class="tl-kind">${e.kind}</span> <span class="tl-actor">${e.actor}</span> — ${e.text}</li>`)}</ol>
${canRespond
  ? html`<form method="post" action="/incidents/${encodeURIComponent(incident.id)}/notes">${csrfField(session)}
<label for="note-text">Add a note</label>
<textarea id="note-text" name="text" rows="3" required maxlength="10000"></textarea>
<button type="submit">Add note</button></form>`
  : ''}
</section>
<section class="card" aria-labelledby="h-deliveries"><h2 id="h-deliveries">Deliveries</h2>
${deliveries.length
  ? html`<table><thead><tr><th scope="col">At</th><th scope="col">Channel</th><th scope="col">Attempt</th><th scope="col">Outcome</th><th scope="col">Detail</th></tr></thead>
<tbody>${deliveries.map((d) => html`<tr><td>${when(Number(d.at))}</td><td>${d.channel_id}</td><td>${d.attempt}</td><td>${d.outcome}</td><td>${d.status_code ?? ''} ${d.error ?? d.detail ?? ''}</td></tr>`)}</tbody></table>`
  : html`<p class="muted">No delivery attempts yet.</p>`}
</section>`,
  });
}

/** Moves an incident through the daemon's pipeline (so escalation stops and notifications follow). */
async function act(daemon: Daemon, id: string, action: (typeof ACTIONS)[number]['action'], actor: Actor, note: string | undefined): Promise<void> {
  if (daemon.operations) await daemon.operations.act(id, action, actor, note);
  else await incidentReader(daemon)[action](id, actor, note);
}

/** Which teams' incidents the list shows, and links to the others: a person in teams sees theirs first. */
function teamLinks(daemon: Daemon, actor: Actor, team: string | undefined) {
  const teams = daemon.config.teams;
  if (teams.length === 0) return '';
  const mine = teamsOf(teams, actor.name).map((t) => t.id);
  const current = team ?? (mine.length > 0 ? 'mine' : 'all');
  const link = (value: string, label: string) =>
    current === value ? html`<strong aria-current="page">${label}</strong>` : html`<a href="/incidents${value === 'mine' ? '' : `?team=${encodeURIComponent(value)}`}">${label}</a>`;
  return html`<p class="team-view">Showing: ${mine.length > 0 ? html`${link('mine', `Your teams (${mine.join(', ')})`)} · ` : ''}${link('all', 'All teams')}${teams.map((t) => html` · ${link(t.id, t.name ?? t.id)}`)}</p>`;
}

export function incidentRoutes(): UiRoute[] {
  return [
    {
      method: 'GET',
      url: '/incidents',
      access: 'viewer',
      summary: 'Incidents, newest first.',
      handler: async ({ daemon, session, actor, query }) => {
        const view = teamView(daemon, actor!, query.team);
        const list = await incidentReader(daemon).list({ limit: 100, ...(view ? { services: view } : {}) });
        return page(daemon, {
          title: 'Incidents',
          session,
          nav: 'incidents',
          body: html`${teamLinks(daemon, actor!, query.team)}${list.length
            ? html`<table><thead><tr><th scope="col">Incident</th><th scope="col">Severity</th><th scope="col">State</th><th scope="col">Opened</th><th scope="col">Service</th></tr></thead>
<tbody>${list.map((i) => html`<tr><th scope="row"><a href="/incidents/${encodeURIComponent(i.id)}">${i.title}</a></th><td>${severityBadge(i.severity)}</td><td>${i.state}</td><td>${when(i.openedAt)}</td><td>${i.service ?? ''}</td></tr>`)}</tbody></table>`
            : html`<p>No incidents.</p>`}`,
        });
      },
    },
    { method: 'GET', url: '/incidents/:id', access: 'viewer', summary: 'One incident: state, actions, runbook with Run buttons, executions, timeline, deliveries.', handler: incidentPage },
    ...ACTIONS.map(
      (a): UiRoute => ({
        method: 'POST',
        url: `/incidents/:id/${a.action}`,
        access: 'responder',
        summary: `${a.label} an incident (form).`,
        handler: async ({ daemon, params, form, actor, request }) => {
          await enforceTeamWrite(daemon, request, actor!, (await incidentReader(daemon).get(params.id ?? '')).service);
          await act(daemon, params.id ?? '', a.action, actor!, form.note?.trim() || undefined);
          return { redirect: `/incidents/${encodeURIComponent(params.id ?? '')}` };
        },
      }),
    ),
    {
      method: 'POST',
      url: '/incidents/:id/notes',
      access: 'responder',
      summary: 'Add a note to an incident’s timeline (form).',
      handler: async ({ daemon, params, form, actor, request }) => {
        await enforceTeamWrite(daemon, request, actor!, (await incidentReader(daemon).get(params.id ?? '')).service);
        await incidentReader(daemon).addNote(params.id ?? '', actor!, form.text ?? '');
        return { redirect: `/incidents/${encodeURIComponent(params.id ?? '')}#h-timeline` };
      },
    },
  ];
}
