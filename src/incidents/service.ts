import type { Actor } from '../identity/index.js';
import { formatDuration } from '../lib/duration.js';
import { isInstant } from '../lib/clock.js';
import { OpsbookError } from '../lib/errors/index.js';
import { newId } from '../lib/ids.js';
import {
  appendAuditIn,
  auditCommitted,
  findIncident,
  insertChangeEvent,
  listIncidentAlerts,
  listAllIncidents,
  listIncidents,
  listIncidentsOpenedBetween,
  listTimeline,
  updateTimelineRow,
  updateIncident,
  type IncidentListFilter,
  listIncidentRoles,
  putIncidentRole,
  listIncidentReviews,
  insertIncidentReview,
  publishIncidentReview,
} from '../store/index.js';
import { responseDueAt } from './business-hours.js';
import { assertTransition } from './lifecycle.js';
import { alertFromRow, incidentFromRow, timelineFromRow } from './rows.js';
import type { SilenceInput } from './silences.js';
import { AlertIntake, CHANGE_LOOKBACK_MS } from './alert-intake.js';
import { type ReleasedPages, type Trx } from './engine-core.js';
import { describeSuppression } from './suppression.js';
import { withHoldWarnings } from './hold-warning.js';
import { MAX_TITLE_CHARS, TITLE_SET_BY_PERSON } from './title.js';
import type {
  ChangeEvent,
  Incident,
  IncidentAlert,
  IncidentEffect,
  IncidentResult,
  IncidentState,
  Silence,
  TimelineEntry,
  TimelineKind,
} from './types.js';
import { OPEN_STATES, INCIDENT_ROLES, ROLE_NAMES, type IncidentRole, type IncidentRoleHolder, type ReviewVersion } from './types.js';
import { utcSecond } from '../lib/instants.js';

export type { IncidentConfig } from './engine-core.js';


/** What a person's escalation writes (see `recordEscalation`): its timeline line, and its page after it. */
export interface EscalationLine {
  text: string;
  data: Record<string, unknown>;
  page: () => Promise<void>;
  /** The incident, answered, is triggered again: why, for its status line (its newly paged people acknowledge it). */
  retrigger?: string;
}

export interface ManualIncidentInput {
  title: string;
  severity: string;
  service?: string;
  labels?: Record<string, string>;
  runbook?: string;
  /** First note on the timeline. */
  description?: string;
}

export interface ChangeInput {
  kind: ChangeEvent['kind'];
  summary: string;
  service?: string;
  /** When the change happened; defaults to now. */
  at?: number;
  data?: Record<string, unknown>;
}

const CHANGE_KINDS: readonly ChangeEvent['kind'][] = ['deploy', 'rollback', 'config', 'other'];

/**
 * The incident engine over the store and a clock. It opens, joins, re-opens and resolves incidents
 * from alert events, runs the lifecycle for people, keeps each incident's timeline and writes every
 * action to the audit log. It never sends anything: each call returns the `IncidentEffect`s the
 * daemon turns into outbox rows and escalation timers. Calls are serialised (and, on PostgreSQL,
 * locked across processes), so one alert can never open two incidents.
 */
export class IncidentService extends AlertIntake {

  // ---- reads ---------------------------------------------------------------------------------

  async get(id: string): Promise<Incident> {
    const row = await findIncident(this.store.db, id);
    if (!row) throw new OpsbookError('OPSBOOK_E_INCIDENT_UNKNOWN', `no incident with id ${id}`, { details: { id } });
    return (await withHoldWarnings(this.store.db, [incidentFromRow(row)]))[0]!;
  }

  /** Newest first, one page (at most 500); pass the last id of a page as `before` for the next. */
  async list(filter: IncidentListFilter = {}): Promise<Incident[]> {
    return withHoldWarnings(this.store.db, (await listIncidents(this.store.db, filter)).map(incidentFromRow));
  }

  /** Every incident that matches, newest first, however many: for callers that act on all of them. */
  async listAll(filter: Omit<IncidentListFilter, 'limit'> = {}): Promise<Incident[]> {
    return (await listAllIncidents(this.store.db, filter)).map(incidentFromRow);
  }

  async timeline(id: string): Promise<TimelineEntry[]> {
    await this.get(id);
    return (await listTimeline(this.store.db, id)).map(timelineFromRow);
  }

  async alerts(id: string): Promise<IncidentAlert[]> {
    return (await listIncidentAlerts(this.store.db, id)).map(alertFromRow);
  }

  // ---- people --------------------------------------------------------------------------------

  /**
   * Opens an incident by hand (a user report, a customer ticket). `alsoInTransaction` runs in the
   * opening's transaction, before its commit (the incident's escalation starting with it).
   */
  async create(input: ManualIncidentInput, actor: Actor, alsoInTransaction?: (trx: Trx, result: IncidentResult) => Promise<void>): Promise<IncidentResult> {
    return (await this.createUnless(input, actor, undefined, alsoInTransaction))!;
  }

  /**
   * Opens an incident by hand unless `alreadyOpen` answers true — asked in the opening's transaction,
   * after the incident writers' lock on PostgreSQL, so that members of a cluster opening the same
   * incident at once (a channel failing on each) open it once. Undefined when it was open already.
   */
  async createUnless(
    input: ManualIncidentInput,
    actor: Actor,
    alreadyOpen: ((trx: Trx) => Promise<boolean>) | undefined,
    alsoInTransaction?: (trx: Trx, result: IncidentResult) => Promise<void>,
  ): Promise<IncidentResult | undefined> {
    if (input.title.trim() === '') throw new OpsbookError('OPSBOOK_E_INCIDENT_INVALID', 'an incident needs a title', { location: { path: 'title' } });
    if (!this.ladder.has(input.severity)) {
      const known = this.ladder.severities.map((s) => s.id).join(', ');
      throw new OpsbookError('OPSBOOK_E_INCIDENT_INVALID', `severity "${input.severity}" is not on the ladder (${known})`, { location: { path: 'severity' } });
    }
    const labels = { ...(input.labels ?? {}), ...(input.service ? { service: input.service } : {}) };
    return this.write(async (trx) => {
      if (await alreadyOpen?.(trx)) return undefined;
      const r = await this.openIncident(trx, {
        title: input.title.trim(), severity: input.severity, labels, source: 'manual', createdBy: actor.name,
        ...(input.service ? { service: input.service } : {}),
        ...(input.runbook ? { runbook: input.runbook } : {}),
      });
      if (input.description) await this.note(trx, r.incident.id, this.clock.now(), 'note', actor.name, input.description, {});
      await alsoInTransaction?.(trx, r);
      return r;
    }, (r) => (r ? { actor, action: 'incident.create', incidentId: r.incident.id, details: { title: input.title, severity: input.severity } } : undefined));
  }

  acknowledge(id: string, actor: Actor, note?: string): Promise<IncidentResult> {
    return this.move(id, 'acknowledged', actor, note);
  }

  investigate(id: string, actor: Actor, note?: string): Promise<IncidentResult> {
    return this.move(id, 'investigating', actor, note);
  }

  mitigate(id: string, actor: Actor, note?: string): Promise<IncidentResult> {
    return this.move(id, 'mitigated', actor, note);
  }

  resolve(id: string, actor: Actor, note?: string): Promise<IncidentResult> {
    return this.move(id, 'resolved', actor, note);
  }

  review(id: string, actor: Actor, note?: string): Promise<IncidentResult> {
    return this.move(id, 'reviewed', actor, note);
  }

  private move(id: string, to: IncidentState, actor: Actor, note?: string): Promise<IncidentResult> {
    return this.write(async (trx) => {
      const incident = await this.mustGet(trx, id);
      const effects = await this.transition(trx, incident, to, actor, note);
      return { incident: await this.reload(trx, id), effects };
    }, (r) => ({ actor, action: `incident.${to}`, incidentId: r.incident.id, details: note ? { note } : {} }));
  }

  protected async transition(trx: Trx, incident: Incident, to: IncidentState, actor: Actor, note?: string): Promise<IncidentEffect[]> {
    assertTransition(incident.id, incident.state, to);
    const now = this.clock.now();
    const effects: IncidentEffect[] = [];
    await updateIncident(trx, incident.id, {
      state: to,
      updated_at: now,
      // A person's first move counts as their acknowledgement; opsbook's own (an auto-resolve) does not,
      // or time-to-acknowledge would read as the time the alerts took to clear.
      ...(incident.acknowledgedAt === undefined && to !== 'reviewed' && actor.via !== 'system' ? { acknowledged_at: now } : {}),
      ...(to === 'resolved' ? { resolved_at: now } : {}),
    });
    await this.note(trx, incident.id, now, 'status', actor.name, `${incident.state} → ${to}${note ? `: ${note}` : ''}`, { from: incident.state, to, ...(note ? { note } : {}) });
    if (OPEN_STATES.includes(to) && incident.state === 'triggered') {
      effects.push({ kind: 'stop_escalation', incidentId: incident.id, reason: 'acknowledged', by: actor.name });
    }
    // A page a window or silence holds is for nobody once a person has answered its incident: it
    // is dropped now, not started at the window's end only to be stopped again.
    const held = incident.heldBy;
    if (held && (to === 'resolved' || incident.state === 'triggered')) {
      await this.unhold(trx, incident.id, now, `${to} while ${describeSuppression(held)} held its notification: nothing to send at its end`, { ...held });
    }
    if (to === 'resolved') {
      effects.push({ kind: 'stop_escalation', incidentId: incident.id, reason: 'resolved', by: actor.name });
      effects.push({ ...this.notify(incident, 'resolved', held ?? this.suppression(incident)), by: actor.name });
    }
    return effects;
  }

  /**
   * A person gives the incident a title of their own; the timeline says what it was. A title set so is
   * never replaced by a worse alert's (see raisedTitle).
   */
  async retitle(id: string, title: string, actor: Actor): Promise<Incident> {
    const text = title.trim();
    if (text === '' || text.length > MAX_TITLE_CHARS) {
      throw new OpsbookError('OPSBOOK_E_INCIDENT_INVALID', `a title must be 1 to ${MAX_TITLE_CHARS} characters`, { location: { path: 'title' } });
    }
    return this.write(async (trx) => {
      const incident = await this.mustGet(trx, id);
      const now = this.clock.now();
      await updateIncident(trx, id, { title: text, updated_at: now });
      await this.note(trx, id, now, 'note', actor.name, `title "${incident.title}" → "${text}"`, { event: TITLE_SET_BY_PERSON, from: incident.title, to: text });
      return this.reload(trx, id);
    }, () => ({ actor, action: 'incident.title', incidentId: id, details: { title: text } }));
  }

  /** Adds a note to the timeline. */
  async addNote(id: string, actor: Actor, text: string): Promise<TimelineEntry> {
    if (text.trim() === '') throw new OpsbookError('OPSBOOK_E_INCIDENT_INVALID', 'a note needs text', { location: { path: 'text' } });
    return this.write(async (trx) => {
      await this.mustGet(trx, id);
      return this.note(trx, id, this.clock.now(), 'note', actor.name, text, {});
    }, () => ({ actor, action: 'incident.note', incidentId: id, details: {} }));
  }

  // ---- roles, severity, review ----------------------------------------------------------------

  /** Response roles held on the incident (commander and communications have one holder each). */
  async roles(id: string): Promise<IncidentRoleHolder[]> {
    return (await listIncidentRoles(this.store.db, id)).map((r) => ({ role: r.role as IncidentRole, person: r.person, assignedAt: Number(r.assigned_at), assignedBy: r.assigned_by }));
  }

  /**
   * Gives `person` a response role; the timeline says who gave it. `alsoInTransaction` runs in the
   * role's transaction after its line, before its commit (a new responder's page, so the role and
   * the page commit together or neither does).
   */
  async assignRole(id: string, role: IncidentRole, person: string, actor: Actor, alsoInTransaction?: (trx: Trx, incident: Incident) => Promise<void>): Promise<TimelineEntry> {
    if (!INCIDENT_ROLES.includes(role)) throw new OpsbookError('OPSBOOK_E_INCIDENT_INVALID', `role "${String(role)}" is not one of ${INCIDENT_ROLES.join(', ')}`, { location: { path: 'role' } });
    if (person.trim() === '') throw new OpsbookError('OPSBOOK_E_INCIDENT_INVALID', 'a role needs a person', { location: { path: 'person' } });
    return this.write(async (trx) => {
      const incident = await this.mustGet(trx, id);
      const now = this.clock.now();
      await putIncidentRole(trx, { incident_id: id, role, person, assigned_at: now, assigned_by: actor.name }, role !== 'responder');
      const text = role === 'responder' ? `${person} joined as a responder` : `${person} is now ${ROLE_NAMES[role]}`;
      const line = await this.note(trx, id, now, 'note', actor.name, text, { role, person });
      await alsoInTransaction?.(trx, incident);
      return line;
    }, () => ({ actor, action: 'incident.role', incidentId: id, details: { role, person } }));
  }

  /**
   * A person escalated the incident by hand (escalate now): `escalation` works out, in the action's
   * transaction, what is paged (a throw refuses it: nothing is written) and answers with the
   * timeline line's text and data and the page itself, which is written after the line. With
   * `retrigger` an answered incident is triggered again first, with a status line (the one move
   * back to triggered, made only with a page to the next step). The lines, the state, the page and
   * the audit entry commit together or not at all.
   */
  async recordEscalation(id: string, actor: Actor, escalation: (trx: Trx, incident: Incident) => Promise<EscalationLine>): Promise<TimelineEntry> {
    return this.write(async (trx) => {
      const incident = await this.mustGet(trx, id);
      const line = await escalation(trx, incident);
      const now = this.clock.now();
      if (line.retrigger !== undefined && incident.state !== 'triggered') {
        await updateIncident(trx, id, { state: 'triggered', updated_at: now });
        await this.note(trx, id, now, 'status', actor.name, `${incident.state} → triggered: ${line.retrigger}`, { from: incident.state, to: 'triggered', escalated: true });
      }
      const entry = await this.note(trx, id, now, 'escalation', actor.name, line.text, line.data);
      // A person paging now releases what a window or silence held: its end has nothing left to start.
      if (incident.heldBy) {
        await this.unhold(trx, id, now, `escalated by hand while ${describeSuppression(incident.heldBy)} held its notification: paging now`, { ...incident.heldBy, released: true });
      }
      await line.page();
      return entry;
    }, (entry) => ({ actor, action: 'incident.escalate', incidentId: id, details: entry.data }));
  }

  /**
   * Moves the incident to another rung of the severity ladder. The response target follows the new
   * rung, counted from the response clock's start — the opening, or a held page's release or a
   * re-opening (as when a worse alert joins) — and the timeline says so.
   * `alsoInTransaction` runs in the change's transaction, before its commit, when the severity
   * changed (the incident's escalation following it, so both commit or neither does).
   */
  async changeSeverity(id: string, severity: string, actor: Actor, note?: string, alsoInTransaction?: (trx: Trx, changed: Incident) => Promise<void>): Promise<Incident> {
    if (!this.ladder.has(severity)) {
      throw new OpsbookError('OPSBOOK_E_INCIDENT_INVALID', `severity "${severity}" is not on the ladder (${this.ladder.severities.map((s) => s.id).join(', ')})`, { location: { path: 'severity' } });
    }
    return this.write(async (trx) => {
      const incident = await this.mustGet(trx, id);
      if (incident.severity === severity) return incident;
      const now = this.clock.now();
      const from = incident.responseFrom ?? incident.openedAt;
      const due = responseDueAt(this.ladder.get(severity).response, from, this.calendars);
      await updateIncident(trx, id, { severity, response_due_at: due ?? null, updated_at: now });
      const since = incident.responseFrom === undefined ? 'opening' : 'the response clock started';
      const target = due === undefined ? '; no response target' : `; response due ${utcSecond(due)} (${formatDuration(due - from)} after ${since})`;
      await this.note(trx, id, now, 'status', actor.name, `severity ${incident.severity} → ${severity}${target}${note ? `: ${note}` : ''}`, {
        fromSeverity: incident.severity, toSeverity: severity, responseDueAt: due ?? null,
      });
      const changed = await this.reload(trx, id);
      await alsoInTransaction?.(trx, changed);
      return changed;
    }, () => ({ actor, action: 'incident.severity', incidentId: id, details: { severity } }));
  }

  /** Saved versions of the review, newest first. */
  async reviews(id: string): Promise<ReviewVersion[]> {
    return (await listIncidentReviews(this.store.db, id)).map((r) => ({
      version: Number(r.version), body: r.body, savedAt: Number(r.saved_at), savedBy: r.saved_by,
      ...(r.published_at !== null ? { publishedAt: Number(r.published_at), publishedBy: r.published_by ?? '' } : {}),
    }));
  }

  /** Saves the review's text as a new version; `publish` publishes that version too. */
  async saveReview(id: string, text: string, actor: Actor, options: { publish?: boolean } = {}): Promise<ReviewVersion> {
    // Browsers send a textarea's lines with CRLF; the document keeps the LF the CLI prints.
    const body = text.replace(/\r\n?/g, '\n');
    if (body.trim() === '') throw new OpsbookError('OPSBOOK_E_INCIDENT_INVALID', 'a review needs text', { location: { path: 'body' } });
    return this.write(async (trx) => {
      await this.mustGet(trx, id);
      const now = this.clock.now();
      const latest = (await listIncidentReviews(trx, id))[0];
      const version = (latest ? Number(latest.version) : 0) + 1;
      await insertIncidentReview(trx, { incident_id: id, version, body, saved_at: now, saved_by: actor.name, published_at: null, published_by: null });
      if (options.publish) {
        await publishIncidentReview(trx, id, version, now, actor.name);
        await this.note(trx, id, now, 'note', actor.name, `published the review (version ${version})`, { reviewVersion: version });
      }
      return { version, body, savedAt: now, savedBy: actor.name, ...(options.publish ? { publishedAt: now, publishedBy: actor.name } : {}) };
    }, (r) => ({ actor, action: options.publish ? 'incident.review.publish' : 'incident.review.save', incidentId: id, details: { version: r.version } }));
  }

  /**
   * Adds an entry written by another component: a notification queued, a delivery made or failed,
   * an escalation step. Not audited (the component audits its own actions).
   */
  addTimelineEntry(id: string, entry: { kind: TimelineKind; actor: string; text: string; data?: Record<string, unknown>; at?: number }): Promise<TimelineEntry> {
    return this.write(async (trx) => {
      await this.mustGet(trx, id);
      return this.note(trx, id, entry.at ?? this.clock.now(), entry.kind, entry.actor, entry.text, entry.data ?? {});
    }, () => undefined);
  }

  /**
   * Writes the one timeline line of something that goes on happening (a delivery and its retries):
   * the first call appends it, later calls with the same `line` key rewrite its text and data.
   * `first`: the caller knows no line with this key exists yet (it is appended without a look).
   */
  putTimelineEntry(id: string, line: string, entry: { kind: TimelineKind; actor: string; text: string; data?: Record<string, unknown> }, first = false): Promise<TimelineEntry> {
    return this.write(async (trx) => {
      await this.mustGet(trx, id);
      const data = { ...(entry.data ?? {}), line };
      const existing = first ? undefined : (await listTimeline(trx, id)).find((r) => r.kind === entry.kind && (JSON.parse(r.data) as { line?: unknown }).line === line);
      if (!existing) return this.note(trx, id, this.clock.now(), entry.kind, entry.actor, entry.text, data);
      await updateTimelineRow(trx, existing.id, { text: entry.text, data: JSON.stringify(data) });
      return timelineFromRow({ ...existing, text: entry.text, data: JSON.stringify(data) });
    }, () => undefined);
  }

  // ---- changes -------------------------------------------------------------------------------

  /**
   * Stores a deploy, rollback or config change and puts it on the timeline of every incident that
   * opened within two hours after it (incidents opened later pick it up when they open).
   */
  async recordChange(input: ChangeInput, actor: Actor): Promise<{ change: ChangeEvent; attachedTo: string[] }> {
    if (!CHANGE_KINDS.includes(input.kind)) {
      throw new OpsbookError('OPSBOOK_E_INCIDENT_INVALID', `change kind "${String(input.kind)}" is not one of ${CHANGE_KINDS.join(', ')}`, { location: { path: 'kind' } });
    }
    if (input.summary.trim() === '') throw new OpsbookError('OPSBOOK_E_INCIDENT_INVALID', 'a change needs a summary', { location: { path: 'summary' } });
    if (input.at !== undefined && !isInstant(input.at)) {
      throw new OpsbookError('OPSBOOK_E_INCIDENT_INVALID', `${input.at} is not an instant in epoch ms between 1970 and the year 9999`, { location: { path: 'at' } });
    }
    const at = input.at ?? this.clock.now();
    const change: ChangeEvent = {
      id: newId('chg', at), at, kind: input.kind, summary: input.summary, actor: actor.name, data: input.data ?? {},
      ...(input.service ? { service: input.service } : {}),
    };
    return this.write(async (trx) => {
      await insertChangeEvent(trx, { id: change.id, at, kind: change.kind, service: change.service ?? null, summary: change.summary, actor: change.actor, data: JSON.stringify(change.data) });
      const attachedTo: string[] = [];
      for (const row of await listIncidentsOpenedBetween(trx, at, at + CHANGE_LOOKBACK_MS)) {
        await this.attachChange(trx, row.id, change);
        attachedTo.push(row.id);
      }
      return { change, attachedTo };
    }, (r) => ({ actor, action: 'change.record', subject: `change:${r.change.id}`, details: { kind: change.kind, service: change.service ?? null, attachedTo: r.attachedTo } }));
  }

  protected async attachChange(trx: Trx, incidentId: string, change: ChangeEvent): Promise<void> {
    const service = change.service ? ` (${change.service})` : '';
    await this.note(trx, incidentId, change.at, 'change', change.actor, `${change.kind}${service}: ${change.summary}`, { changeId: change.id, ...change.data });
  }

  // ---- maintenance and silences --------------------------------------------------------------

  /** Creates a runtime silence; it holds back notifications of incidents that open while it lasts. */
  async createSilence(input: SilenceInput, actor: Actor): Promise<Silence> {
    // The silence and its audit entry commit together.
    const { silence, entry } = await this.store.db.transaction().execute(async (trx) => {
      const created = await this.silences.create(input, actor, trx);
      const audited = await appendAuditIn(trx, this.store.dialect, {
        at: this.clock.now(), actor: actor.name, action: 'silence.create', subject: `silence:${created.id}`,
        details: { matchers: created.matchers, startsAt: created.startsAt, endsAt: created.endsAt, comment: created.comment },
      });
      return { silence: created, entry: audited };
    });
    auditCommitted(this.store.db, entry);
    return silence;
  }

  /** Ends a runtime silence now and runs the end of it for the incidents it held (see releaseHeld). */
  async expireSilence(id: string, actor: Actor, pages?: ReleasedPages): Promise<IncidentEffect[]> {
    const entry = await this.store.db.transaction().execute(async (trx) => {
      await this.silences.expire(id, trx);
      return appendAuditIn(trx, this.store.dialect, { at: this.clock.now(), actor: actor.name, action: 'silence.expire', subject: `silence:${id}`, details: {} });
    });
    auditCommitted(this.store.db, entry);
    return this.releaseHeld(undefined, pages);
  }

}
