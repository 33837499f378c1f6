import type { AlertEvent } from '../alerts/types.js';
import type { Actor } from '../identity/index.js';
import { formatDuration } from '../lib/duration.js';
import { newId } from '../lib/ids.js';
import {
  findIncidentAlert,
  findLatestIncidentByDedupKey,
  findOpenIncidentByDedupKey,
  findOpenIncidentForService,
  findOpenIncidentForRule,
  insertFirstTimelineRows,
  insertIncident,
  insertIncidentAlert,
  listChangeEventsBetween,
  listIncidentAlerts,
  timelineLinesWithData,
  updateIncident,
  upsertIncidentAlert,
  type IncidentAlertRow,
  type TimelineRow,
} from '../store/index.js';
import { responseDueAt } from './business-hours.js';
import { changeFromRow, incidentFromRow, incidentToRow } from './rows.js';
import { alertData, ALERTS_ACTOR, IncidentCore, INCIDENTS_ACTOR, type AuditNote, type Trx } from './engine-core.js';
import { alertTitle, raisedTitle, TITLE_SET_BY_PERSON } from './title.js';
import { OPEN_STATES, type ChangeEvent, type Incident, type IncidentEffect, type IncidentResult, type IncidentState } from './types.js';
import { utcSecond } from '../lib/instants.js';

/** Changes this long before an incident opens appear on its timeline. */
export const CHANGE_LOOKBACK_MS = 2 * 3_600_000;

/**
 * The alert half of the incident engine: a firing alert opens, joins or re-opens an incident, a
 * resolved alert marks its alert resolved and may resolve the incident. People's actions (the
 * lifecycle, roles, severity, changes, silences) are IncidentService's, which this class is the base
 * of; the two it needs from there (a lifecycle move, attaching a recent change) it declares.
 */
export abstract class AlertIntake extends IncidentCore {
  protected abstract transition(trx: Trx, incident: Incident, to: IncidentState, actor: Actor, note?: string): Promise<IncidentEffect[]>;
  protected abstract attachChange(trx: Trx, incidentId: string, change: ChangeEvent): Promise<void>;

  // ---- alerts --------------------------------------------------------------------------------

  /**
   * A firing alert joins the open incident that already has its dedup key, else re-opens its last
   * incident when that resolved within the severity's `reopen_within`, else joins an open incident
   * of the same service opened within `group_within`, else opens a new incident. A resolved alert
   * marks its alert resolved and may auto-resolve the incident. Returns undefined when a resolved
   * alert belongs to no open incident.
   */
  onAlert(event: AlertEvent): Promise<IncidentResult | undefined> {
    return this.write(async (trx) => (event.kind === 'firing' ? this.firing(trx, event) : this.resolved(trx, event)), (r) => (r ? alertAudit(event, r) : undefined));
  }

  /**
   * A batch of alerts (one Alertmanager notification) in one transaction, each handled as `onAlert`
   * would, in order; one result per event. `alsoInTransaction` runs in that transaction once the
   * alerts are handled, before the audit entries and the commit: the caller's writes that must
   * commit with the incidents (the escalation starts and first pages of the incidents they opened).
   */
  onAlerts(
    events: readonly AlertEvent[],
    alsoInTransaction?: (trx: Trx, results: readonly (IncidentResult | undefined)[]) => Promise<void>,
  ): Promise<(IncidentResult | undefined)[]> {
    return this.write(
      async (trx) => {
        const results: (IncidentResult | undefined)[] = [];
        for (const event of events) results.push(event.kind === 'firing' ? await this.firing(trx, event) : await this.resolved(trx, event));
        await alsoInTransaction?.(trx, results);
        return results;
      },
      (rs) => rs.map((r, i) => (r ? alertAudit(events[i]!, r) : undefined)),
    );
  }

  private async firing(trx: Trx, event: AlertEvent): Promise<IncidentResult> {
    const now = this.clock.now();
    // The latest incident of the key, when open, is the open one; a new key costs one lookup.
    const latest = await findLatestIncidentByDedupKey(trx, event.dedupKey);
    if (latest && (OPEN_STATES as readonly string[]).includes(latest.state)) return this.joinIncident(trx, incidentFromRow(latest), event, 'refire');
    const open = latest ? await findOpenIncidentByDedupKey(trx, event.dedupKey) : undefined;
    if (open) return this.joinIncident(trx, incidentFromRow(open), event, 'refire');

    if (latest && latest.state === 'resolved' && latest.resolved_at !== null) {
      const incident = incidentFromRow(latest);
      if (now - incident.resolvedAt! <= this.ladder.get(incident.severity).reopenWithinMs) return this.reopen(trx, incident, event);
    }

    // Group a storm: alerts of one service, or with no service of one rule, join the incident
    // opened within the window, so a thousand unique alerts page once. A window of 0 turns
    // grouping off (alerts handled together share one instant, which a 0 window would still match).
    const service = event.labels.service;
    const groupWithinMs = this.ladder.get(event.severity).groupWithinMs;
    const since = now - groupWithinMs;
    const group = groupWithinMs <= 0 ? undefined : service ? await findOpenIncidentForService(trx, service, since) : await findOpenIncidentForRule(trx, event.ruleId, since);
    if (group) return this.joinIncident(trx, incidentFromRow(group), event, 'group');
    return this.openIncident(trx, {
      title: alertTitle(event),
      severity: event.severity,
      ...(service ? { service } : {}),
      labels: event.labels,
      ...(event.runbook ? { runbook: event.runbook } : {}),
      source: 'alert',
      createdBy: ALERTS_ACTOR.name,
    }, event);
  }

  protected async openIncident(
    trx: Trx,
    input: Pick<Incident, 'title' | 'severity' | 'labels' | 'source' | 'createdBy'> & Partial<Pick<Incident, 'service' | 'runbook'>>,
    event?: AlertEvent,
  ): Promise<IncidentResult> {
    const now = this.clock.now();
    const due = responseDueAt(this.ladder.get(input.severity).response, now, this.calendars);
    const incident: Incident = {
      id: newId('inc', now),
      ...input,
      state: 'triggered',
      openedAt: now,
      updatedAt: now,
      ...(due !== undefined ? { responseDueAt: due } : {}),
      reopened: 0,
    };
    const row = incidentToRow(incident);
    await insertIncident(trx, row);
    const by = input.source === 'alert' ? ALERTS_ACTOR.name : input.createdBy;
    const dueText = due !== undefined ? `; response due ${utcSecond(due)}` : '';
    // The incident is new: its alert row is inserted without looking for one, and its first
    // timeline entries (status, then the alert) go in one statement numbered from 1.
    const lines: Omit<TimelineRow, 'seq'>[] = [{ id: newId('tl', now), incident_id: incident.id, at: now, kind: 'status', actor: by, text: `triggered (${input.severity})${dueText}`, data: JSON.stringify({ to: 'triggered', severity: input.severity, responseDueAt: due ?? null }) }];
    if (event) {
      await insertIncidentAlert(trx, this.alertRow(incident.id, event, event.at));
      lines.push({ id: newId('tl', event.at), incident_id: incident.id, at: event.at, kind: 'alert', actor: ALERTS_ACTOR.name, text: `alert firing: ${event.annotations.summary ?? event.ruleId}`, data: JSON.stringify(alertData(event)) });
    }
    await insertFirstTimelineRows(trx, lines);
    for (const change of await this.once(trx, `changes@${now}`, () => listChangeEventsBetween(trx, now - CHANGE_LOOKBACK_MS, now))) {
      await this.attachChange(trx, incident.id, changeFromRow(change));
    }
    const effects = await this.announce(trx, incident, 'opened');
    // Read back only when announce changed the row (a held notification); else the row as written.
    const held = effects.some((e) => e.kind === 'notify' && e.suppressedBy);
    return { incident: held ? await this.reload(trx, incident.id) : incidentFromRow(row), effects };
  }

  private async joinIncident(trx: Trx, incident: Incident, event: AlertEvent, how: 'refire' | 'group'): Promise<IncidentResult> {
    const now = this.clock.now();
    const before = await findIncidentAlert(trx, incident.id, event.dedupKey);
    const wasFiring = before?.state === 'firing';
    await this.recordAlert(trx, incident.id, event, how === 'group' ? 'grouped' : wasFiring ? 'updated' : 'refired');
    const effects: IncidentEffect[] = [];
    const worse = this.ladder.worse(incident.severity, event.severity);
    if (worse !== incident.severity) {
      const due = responseDueAt(this.ladder.get(worse).response, incident.responseFrom ?? incident.openedAt, this.calendars);
      // The procedure in front of the responder, and the title they read first, follow the most severe alert.
      const raised = raisedTitle(incident, worse, event, await this.titleByPerson(trx, incident));
      await updateIncident(trx, incident.id, {
        severity: worse, response_due_at: due ?? null, updated_at: now, ...(event.runbook ? { runbook: event.runbook } : {}), ...(raised.title !== undefined ? { title: raised.title } : {}),
      });
      await this.note(trx, incident.id, now, 'status', ALERTS_ACTOR.name, raised.text, raised.data);
      effects.push(this.notify({ ...incident, severity: worse }, 'severity_raised', this.suppression(incident)));
    } else await updateIncident(trx, incident.id, { updated_at: now });
    return { incident: await this.reload(trx, incident.id), effects };
  }

  private async reopen(trx: Trx, incident: Incident, event: AlertEvent): Promise<IncidentResult> {
    const now = this.clock.now();
    const severity = this.ladder.worse(incident.severity, event.severity);
    const due = responseDueAt(this.ladder.get(severity).response, now, this.calendars);
    // A worse alert re-opening raises the severity as one joining would, and gives its title.
    const raised = severity !== incident.severity ? raisedTitle(incident, severity, event, await this.titleByPerson(trx, incident)) : undefined;
    await updateIncident(trx, incident.id, {
      state: 'triggered', severity, resolved_at: null, acknowledged_at: null, response_due_at: due ?? null, response_from: now,
      reopened: incident.reopened + 1, updated_at: now, ...(raised?.title !== undefined ? { title: raised.title } : {}),
    });
    const since = formatDuration(now - incident.resolvedAt!);
    await this.note(trx, incident.id, now, 'status', ALERTS_ACTOR.name, `re-opened: ${event.ruleId} fired again ${since} after resolution`, { from: 'resolved', to: 'triggered', dedupKey: event.dedupKey });
    if (raised) await this.note(trx, incident.id, now, 'status', ALERTS_ACTOR.name, raised.text, raised.data);
    await this.recordAlert(trx, incident.id, event, 'refired');
    const reopened = await this.reload(trx, incident.id);
    const effects = await this.announce(trx, reopened, 'reopened');
    return { incident: await this.reload(trx, incident.id), effects };
  }

  /** Whether a person wrote the incident's title: opened it by hand, or retitled it (read only when a raise would replace it). */
  private async titleByPerson(trx: Trx, incident: Incident): Promise<boolean> {
    if (incident.source === 'manual') return true;
    const lines = await timelineLinesWithData(trx, incident.id, TITLE_SET_BY_PERSON);
    return lines.some((l) => (JSON.parse(l.data) as { event?: unknown }).event === TITLE_SET_BY_PERSON);
  }

  private async resolved(trx: Trx, event: AlertEvent): Promise<IncidentResult | undefined> {
    const row = await findOpenIncidentByDedupKey(trx, event.dedupKey);
    if (!row) return undefined;
    const incident = incidentFromRow(row);
    const now = this.clock.now();
    const alert = await findIncidentAlert(trx, incident.id, event.dedupKey);
    if (!alert || alert.state === 'resolved') return { incident, effects: [] };
    await upsertIncidentAlert(trx, { ...alert, state: 'resolved', resolved_at: event.at });
    await this.note(trx, incident.id, event.at, 'alert', ALERTS_ACTOR.name, `alert resolved: ${event.annotations.summary ?? event.ruleId}`, alertData(event));
    const alerts = await listIncidentAlerts(trx, incident.id);
    const effects: IncidentEffect[] = [];
    if (alerts.every((a) => a.state === 'resolved') && this.ladder.get(incident.severity).autoResolve) {
      effects.push(...(await this.transition(trx, incident, 'resolved', INCIDENTS_ACTOR, 'auto-resolved: all alerts resolved')));
    } else await updateIncident(trx, incident.id, { updated_at: now });
    return { incident: await this.reload(trx, incident.id), effects };
  }

  private async recordAlert(trx: Trx, incidentId: string, event: AlertEvent, how: 'opened' | 'grouped' | 'refired' | 'updated'): Promise<void> {
    const before = await findIncidentAlert(trx, incidentId, event.dedupKey);
    await upsertIncidentAlert(trx, this.alertRow(incidentId, event, before ? Number(before.first_fired_at) : event.at));
    // A series that keeps firing only updates its alert row; the timeline records changes.
    if (how === 'updated' && before?.severity === event.severity) return;
    const what = { opened: 'alert firing', grouped: event.labels.service ? 'alert joined (same service)' : 'alert joined (same rule)', refired: 'alert firing again', updated: `alert now ${event.severity}` }[how];
    await this.note(trx, incidentId, event.at, 'alert', ALERTS_ACTOR.name, `${what}: ${event.annotations.summary ?? event.ruleId}`, alertData(event));
  }

  private alertRow(incidentId: string, event: AlertEvent, firstFiredAt: number): IncidentAlertRow {
    return {
      incident_id: incidentId,
      dedup_key: event.dedupKey,
      rule_id: event.ruleId,
      state: 'firing',
      severity: event.severity,
      labels: JSON.stringify(event.labels),
      annotations: JSON.stringify(event.annotations),
      runbook: event.runbook ?? null,
      value: event.value ?? null,
      first_fired_at: firstFiredAt,
      last_fired_at: event.at,
      resolved_at: null,
    };
  }
}

function alertAudit(event: AlertEvent, r: IncidentResult): AuditNote {
  return { actor: ALERTS_ACTOR, action: `incident.alert_${event.kind}`, incidentId: r.incident.id, details: { dedupKey: event.dedupKey, severity: event.severity } };
}
