import type { Daemon } from '../../../daemon/index.js';
import { ALLOWED_TRANSITIONS, configuredLadder, INCIDENT_ROLES, OPEN_STATES, recordedResponseMisses, RESPONSE_TARGET_MISSED, responseClockStart, ROLE_NAMES, type Incident, type IncidentAlert, type IncidentRoleHolder, type Severity, type TimelineEntry, responseTargetText } from '../../../incidents/index.js';
import { duration, severityBadge, when, whenSecond } from '../components.js';
import { incidentReader } from '../data/incidents.js';
import { configText, html, type Html } from '../html.js';
import { csrfField, liveHeading } from '../layout.js';
import { entryAnchor, executionPath } from '../transcript.js';
import type { Session } from '../../sessions/index.js';
import { runbookViewPath } from '../../../runbooks/index.js';
import { describeRecipients, upcomingPage, type UpcomingPage } from '../../../oncall/index.js';

/**
 * The parts of the incident page that change while it is open. Rendered without a session they are
 * the same for every viewer of a role (forms carry an empty CSRF field the page's script fills in),
 * so one rendering goes to every open page through the live-update stream.
 */

export const MOVES = [
  { action: 'acknowledge', label: 'Acknowledge', to: 'acknowledged', key: 'a' },
  { action: 'investigate', label: 'Investigating', to: 'investigating', key: 'i' },
  { action: 'mitigate', label: 'Mitigated', to: 'mitigated', key: 'm' },
  { action: 'resolve', label: 'Resolve', to: 'resolved', key: 'r' },
] as const;

export type Move = (typeof MOVES)[number]['action'];

export function allowedMoves(incident: Incident): Array<(typeof MOVES)[number]> {
  const allowed = new Set((ALLOWED_TRANSITIONS as Record<string, readonly string[]>)[incident.state] ?? []);
  return MOVES.filter((m) => allowed.has(m.to));
}


/**
 * The response clock: time left before the severity's target, or how it went. `missedAt`: the due
 * time of the latest target recorded missed on the timeline (the escalation's record, which follows
 * held pages and severity changes), marked missed whatever happened after.
 */
function responseClock(incident: Incident, now: number, missedAt: number | undefined, severity: Severity | undefined): Html {
  const due = incident.responseDueAt;
  const target = due !== undefined && severity ? html` (target ${responseTargetText(severity)})` : '';
  if (incident.acknowledgedAt !== undefined) {
    // From where the response clock started: the opening, a held page's release or a re-opening.
    const took = incident.acknowledgedAt - (incident.responseFrom ?? incident.openedAt);
    const missed = missedAt !== undefined || (due !== undefined && incident.acknowledgedAt > due);
    if (due === undefined && !missed) return html``;
    return html`<li${missed ? html` class="response-missed"` : ''}>Response <strong>${missed ? 'missed' : 'within'}</strong> target: acknowledged after ${duration(took)}${target}</li>`;
  }
  if (missedAt !== undefined) {
    return html`<li class="due overdue response-missed">Response target <strong>missed</strong> at ${when(missedAt)}: not acknowledged by then${target}</li>`;
  }
  if (due === undefined || incident.resolvedAt !== undefined) return html``;
  return due >= now
    ? html`<li class="due">Response due in <strong data-until="${due}">${duration(due - now)}</strong>${target}</li>`
    : html`<li class="due overdue">Response target <strong>missed</strong> by <span data-since="${due}">${duration(now - due)}</span></li>`;
}

/** Who the escalation pages next and when, while nobody has acknowledged. */
function nextPage(next: UpcomingPage | undefined, now: number): Html {
  if (!next) return html``;
  const left = next.at - now;
  return html`<li class="next-page">Next page: <strong>${describeRecipients(next.recipients)}</strong> (step ${next.step}${next.round > 1 ? html`, round ${next.round}` : ''}) at ${when(next.at)}, ${left > 0 ? html`in <span data-until="${next.at}">${duration(left)}</span>` : 'now'}, unless acknowledged</li>`;
}

/** What tripped: the first alert's summary, what its check observed, its value; links to the check. */
function trigger(incident: Incident, alerts: IncidentAlert[]): Html {
  const first = alerts[0];
  if (!first) return html`<li>Declared by ${incident.createdBy}</li>`;
  const check = first.labels.check;
  return html`<li class="trigger">Triggered by ${check ? html`<a href="/checks/${encodeURIComponent(check)}">${first.annotations.summary ?? check}</a>` : first.annotations.summary ?? first.ruleId}
${first.annotations.observed ? html` — <span class="observed">${first.annotations.observed}</span>` : first.value !== undefined ? html` — value <span class="observed">${first.value}</span>` : ''}
${alerts.length > 1 ? html` <span class="muted">(+${alerts.length - 1} more alerts)</span>` : ''} <span class="muted">rule ${first.ruleId}</span></li>`;
}

function rolesLine(roles: IncidentRoleHolder[]): Html {
  const holders = (role: string) => roles.filter((r) => r.role === role).map((r) => r.person);
  return html`<li class="roles">${INCIDENT_ROLES.map((role, i) => {
    const who = holders(role);
    const name = role === 'responder' ? 'Responders' : ROLE_NAMES[role][0]!.toUpperCase() + ROLE_NAMES[role].slice(1);
    return html`${i ? ' · ' : ''}${name}: <strong data-role="${role}">${who.length ? who.join(', ') : '—'}</strong>`;
  })}</li>`;
}

/**
 * How long the incident has been open, or lasted: a re-opened one from its re-opening (where its
 * response clock started again), as its response times count — not the hours it spent resolved.
 */
function age(incident: Incident, open: boolean, now: number): Html {
  const reopened = incident.reopened > 0 && incident.responseFrom !== undefined;
  const from = reopened ? responseClockStart(incident) : incident.openedAt;
  const after = reopened ? (open ? ' since its re-opening' : ' after its re-opening') : '';
  return open ? html`open for <span data-since="${from}">${duration(now - from)}</span>${after}` : html`lasted ${duration(incident.resolvedAt! - from)}${after}`;
}

/** The page's heading, the incident's title: replaced live when someone gives it another (see IncidentFeed). */
export function incidentHeading(incident: Incident): Html {
  return liveHeading(`incidenttitle:${incident.id}`, incident.title);
}

export async function incidentHeader(daemon: Daemon, incident: Incident): Promise<Html> {
  const reader = incidentReader(daemon);
  const open = incident.resolvedAt === undefined;
  const { escalation_policies: policies, schedules } = daemon.config;
  const [alerts, roles, next, misses] = await Promise.all([
    reader.alerts(incident.id),
    reader.roles(incident.id),
    open ? upcomingPage(daemon.store.db, policies, schedules, incident.id) : undefined,
    recordedResponseMisses(daemon.store.db, incident.id),
  ]);
  const missedAt = misses.at(-1)?.responseDueAt;
  const severity = configuredLadder(daemon.config.severities).severities.find((s) => s.id === incident.severity);
  const now = daemon.clock.now();
  return html`<div class="incident-head card" data-live="incident:${incident.id}">
<p class="head-line">${severityBadge(incident.severity)} <span class="istate istate-${incident.state}" data-incident-state="${incident.state}">${incident.state}</span>
 <span class="age">${age(incident, open, now)}</span>
 · opened ${when(incident.openedAt)}${incident.service ? html` · service <strong>${incident.service}</strong>` : ''}</p>
<ul class="facts">
${trigger(incident, alerts)}
${open ? html`${responseClock(incident, now, missedAt, severity)}${nextPage(next, now)}` : html`<li>Resolved ${when(incident.resolvedAt)}</li>${responseClock(incident, now, missedAt, severity)}`}
${incident.runbook ? html`<li>Runbook: <a href="${runbookViewPath(incident.runbook)}">${incident.runbook}</a></li>` : ''}
${rolesLine(roles)}
${heldLine(incident)}
</ul>
</div>`;
}

/**
 * What holds the incident's pages back, while something does: the window or silence, until when,
 * what happens at its end and why; a silence that takes in more than a new one may says so, so the
 * responder sees why nobody was paged.
 */
function heldLine(incident: Incident): Html {
  const held = incident.heldBy;
  if (!held) return html``;
  const what = held.kind === 'maintenance' ? html`maintenance window <a href="/maintenance#h-windows">${held.id}</a>` : html`silence <a href="/maintenance#h-silences">${held.id}</a>`;
  return html`<li class="held${held.warning ? ' notice' : ''}" id="held-by">Pages held by ${what} until ${when(held.until)} (at its end: ${held.onEnd === 'drop' ? 'dropped' : 'sent if still firing'})${held.comment ? html` — ${configText(held.comment)}` : ''}.${held.warning ? html` That silence ${held.warning}` : ''}</li>`;
}

/**
 * The one action bar: a note field shared by every action, moves allowed from the current state,
 * severity and roles. `note`: what was typed in it, given back after a refusal.
 */
export function actionBar(daemon: Daemon, incident: Incident, session: Session | undefined, note?: string): Html {
  const moves = allowedMoves(incident);
  const ladder = configuredLadder(daemon.config.severities);
  const people = daemon.config.users.map((u) => u.name);
  const open = OPEN_STATES.includes(incident.state);
  return html`<form class="actionbar card" method="post" action="/incidents/${encodeURIComponent(incident.id)}/act" data-live="incidentactions:${incident.id}" aria-labelledby="h-actions">
<h2 id="h-actions">Respond</h2>
${csrfField(session)}
<p><label for="incident-note">Note for the timeline <span class="muted">(goes with any action below; <kbd>n</kbd>)</span></label>
<textarea id="incident-note" name="note" rows="2" maxlength="10000" aria-keyshortcuts="n">${note ?? ''}</textarea></p>
<p class="buttons">${moves.map((m) => html`<button type="submit" name="action" value="${m.action}" class="btn-${m.action}" data-key="${m.key}" aria-keyshortcuts="${m.key}">${m.label} <kbd>${m.key}</kbd></button> `)}
${open ? html`<button type="submit" name="action" value="escalate" class="btn-escalate" data-key="e" aria-keyshortcuts="e">Escalate <kbd>e</kbd></button> ` : ''}
<button type="submit" name="action" value="note" data-key="Enter" class="btn-note">Add note</button></p>
<div class="row">
<p><label for="incident-severity">Severity</label> <select id="incident-severity" name="severity">${ladder.severities.map((s) => html`<option value="${s.id}"${s.id === incident.severity ? ' selected' : ''}>${s.id} — ${s.name}</option>`)}</select>
<button type="submit" name="action" value="severity">Change severity</button></p>
<p><label for="incident-role">Role</label> <select id="incident-role" name="role">${INCIDENT_ROLES.map((r) => html`<option value="${r}">${ROLE_NAMES[r]}</option>`)}</select>
<label for="incident-person">Person</label> <select id="incident-person" name="person">${people.map((p) => html`<option>${p}</option>`)}</select>
<button type="submit" name="action" value="role">Assign role</button></p>
<p><label for="incident-responder">Responder</label> <select id="incident-responder" name="responder">${people.map((p) => html`<option>${p}</option>`)}</select>
<button type="submit" name="action" value="responder">${open ? 'Add responder and page' : 'Add responder'}</button></p>
</div>
</form>`;
}

/** Consecutive entries that differ only in their numbers (retries, repeated deliveries) shown as one. */
function collapse(entries: TimelineEntry[]): Array<{ entry: TimelineEntry; more: TimelineEntry[] }> {
  const out: Array<{ entry: TimelineEntry; more: TimelineEntry[] }> = [];
  const shape = (e: TimelineEntry) => `${e.kind}|${e.actor}|${e.text.replace(/\d+/g, '#')}`;
  for (const e of entries) {
    const last = out.at(-1);
    if (last && e.kind !== 'status' && e.kind !== 'note' && shape(last.entry) === shape(e)) last.more.push(e);
    else out.push({ entry: e, more: [] });
  }
  return out;
}

/**
 * A timeline line's text with its execution a link away: the id a line names (*as execution ID*) links
 * to the execution's page; a step's line (*step 1.1 ok …*), which names no execution, links its step
 * to that entry on the execution's page and says which execution it belongs to.
 */
function timelineText(e: TimelineEntry): Html {
  const id = e.executionId;
  if (id === undefined || id === '') return html`${e.text}`;
  const link = html`<a href="${executionPath(id)}">${id}</a>`;
  if (e.text.includes(id)) {
    const parts = e.text.split(id);
    return html`${parts.map((p, i) => (i === 0 ? html`${p}` : html`${link}${p}`))}`;
  }
  const step = /^step \d+(?:\.\d+)?/.exec(e.text)?.[0];
  const entry = typeof e.data.entryId === 'string' ? e.data.entryId : undefined;
  const of = html` <span class="tl-exec">(execution ${link})</span>`;
  if (!step) return html`${e.text}${of}`;
  return html`<a href="${executionPath(id)}${entry ? `#${entryAnchor(entry)}` : ''}">${step}</a>${e.text.slice(step.length)}${of}`;
}

export async function timelinePanel(daemon: Daemon, incidentId: string): Promise<Html> {
  const timeline = await incidentReader(daemon).timeline(incidentId);
  return html`<section class="card timeline-panel" aria-labelledby="h-timeline" data-live="incidenttimeline:${incidentId}" tabindex="0">
<h2 id="h-timeline">Timeline</h2>
<ol class="timeline" reversed>${collapse(timeline).reverse().map(({ entry: e, more }) => html`<li class="tl tl-${e.kind}${e.data.event === RESPONSE_TARGET_MISSED ? ' tl-missed' : ''}">${whenSecond(e.at)} <span class="tl-kind">${e.kind}</span> <span class="tl-actor">${e.actor}</span> — ${timelineText(e)}${more.length
    ? html`<details><summary>${more.length} more like it, the last ${whenSecond(more.at(-1)!.at)}</summary><ul>${more.map((m) => html`<li>${whenSecond(m.at)} ${timelineText(m)}</li>`)}</ul></details>`
    : ''}</li>`)}</ol>
</section>`;
}
