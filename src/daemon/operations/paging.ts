import type { Transaction } from 'kysely';
import type { Clock } from '../../lib/clock.js';
import type { OpsConfig } from '../../config/index.js';
import type { Incident } from '../../incidents/index.js';
import { CONTACT_PROVIDER, enqueueNotification, expandVia, type LeasedRows, type Notification, type NotificationIncident } from '../../notify/index.js';
import type { EscalationNotice, PersonalRule } from '../../oncall/index.js';
import { pushSubscriptionsOf, type Database } from '../../store/index.js';
import { formatDuration } from '../../lib/duration.js';
import { FAILING_CHANNEL_LABEL } from './paging-watch.js';
import { owningTeam } from '../../identity/index.js';
import { runbookViewPath } from '../../runbooks/index.js';

/** Channel kinds that send only to a person's address (they cannot take a status update alone). */
const PERSON_ONLY = new Set(['twilio', 'ntfy', 'webpush']);

/** The channels a status update or an unrouted incident may go to: not person-only kinds, not `avoid`. */
export function broadcastChannels(config: OpsConfig, ids: readonly string[], avoid?: string): string[] {
  return ids.filter((id) => id !== avoid && !PERSON_ONLY.has(config.channels.find((c) => c.id === id)?.kind ?? ''));
}

/** A line for an incident's timeline, written after the transaction that caused it commits. */
export interface TimelineNote {
  incidentId: string;
  kind: 'notification' | 'escalation';
  text: string;
  data: Record<string, unknown>;
}

export function incidentUrl(config: OpsConfig, id: string): string {
  return `${config.server.public_url}/incidents/${encodeURIComponent(id)}`;
}

/** A runbook reference's page in the web UI, as an absolute address for a message. */
export function runbookUrl(config: OpsConfig, reference: string): string {
  const place = runbookViewPath(reference);
  return place.startsWith('/') ? `${config.server.public_url}${place}` : place;
}

export function notificationIncident(config: OpsConfig, incident: Incident): NotificationIncident {
  return {
    id: incident.id,
    title: incident.title,
    severity: incident.severity,
    status: incident.state,
    url: incidentUrl(config, incident.id),
    ...(incident.service ? { service: incident.service } : {}),
    openedAt: incident.openedAt,
    ...(incident.runbook ? { runbook: incident.runbook, runbookUrl: runbookUrl(config, incident.runbook) } : {}),
  };
}

/** A person's notification rules for an incident of this severity (undefined: every contact at once). */
export function personalRules(config: OpsConfig, user: string, severity: string | undefined): PersonalRule[] | undefined {
  const rules = config.users.find((u) => u.name === user)?.notification_rules;
  if (!rules) return undefined;
  const low = config.severities.find((s) => s.id === severity)?.urgency === 'low';
  const chosen = (low ? (rules.low ?? rules.high) : (rules.high ?? rules.low)) ?? [];
  return chosen.map((r) => ({ afterMs: r.after, via: r.via }));
}

/** A person's contacts (their sign-in email last) as outbox addresses: one per Web Push subscription. */
export async function contactAddresses(trx: Transaction<Database>, config: OpsConfig, user: string, via: string[] | undefined) {
  const u = config.users.find((x) => x.name === user);
  if (!u) return [];
  const wanted = via ? expandVia(via) : undefined;
  const contacts = [...u.contact, ...(u.email ? [{ kind: 'email' as const, address: u.email }] : [])].filter((c) => !wanted || wanted.has(c.kind));
  const out: Array<{ kind: string; address: string; channelKind: string }> = [];
  for (const c of contacts) {
    const channelKind = CONTACT_PROVIDER[c.kind];
    if (c.kind === 'webpush') {
      for (const sub of await pushSubscriptionsOf(trx, user)) out.push({ kind: c.kind, channelKind, address: JSON.stringify({ endpoint: sub.endpoint, keys: { p256dh: sub.p256dh, auth: sub.auth } }) });
    } else if (c.address !== undefined) out.push({ kind: c.kind === 'phone' ? 'voice' : c.kind, address: c.address, channelKind });
  }
  return out;
}

/**
 * Turns one escalation step into outbox rows, inside the step's transaction. A person is reached
 * through the first configured channel of each of their contact kinds (an email contact through the
 * first `email` channel, to their address); a channel target is sent to as is. Whoever cannot be
 * reached is named on the timeline rather than dropped in silence.
 */
export async function enqueueNotice(
  trx: Transaction<Database>,
  clock: Clock,
  config: OpsConfig,
  incident: Incident,
  notice: EscalationNotice,
  /** How the timeline names the page; default the step ("step 2 (round 2)"). */
  named?: string,
  /** Rows to write leased to this process's outbox worker (sent when the transaction commits). */
  leased?: LeasedRows,
): Promise<TimelineNote[]> {
  const notes: TimelineNote[] = [];
  // A failing channel's own incident is paged only through the other channels.
  const avoid = incident.labels[FAILING_CHANNEL_LABEL];
  const event = notice.reason === 'start' ? 'incident.triggered' : 'incident.escalated';
  const base = { event, incident: notificationIncident(config, incident), incidentEpoch: incident.reopened } satisfies Omit<Notification, 'channelId'>;
  const step = named ?? `step ${notice.stepIndex + 1}${notice.round > 0 ? ` (round ${notice.round + 1})` : ''}${notice.reason === 'after_open' ? ' (open too long)' : ''}${notice.rule ? `, rule ${notice.rule.index + 1} (after ${formatDuration(notice.rule.afterMs)})` : ''}`;
  for (const r of notice.recipients) {
    if (r.kind === 'nobody') {
      notes.push({ incidentId: incident.id, kind: 'escalation', text: `${step}: nobody is on call in schedule ${r.schedule}`, data: { ...notice } });
      continue;
    }
    if (r.kind === 'channel') {
      if (r.channel === avoid) {
        notes.push({ incidentId: incident.id, kind: 'escalation', text: `${step}: skipped channel ${r.channel}: it is the failing channel`, data: { key: notice.key, channel: r.channel } });
        continue;
      }
      await enqueueNotification(trx, clock, { ...base, channelId: r.channel, dedupKey: `${notice.key}/channel:${r.channel}` }, leased);
      notes.push({ incidentId: incident.id, kind: 'notification', text: `${step}: paged channel ${r.channel}`, data: { key: notice.key, channel: r.channel, reason: notice.reason } });
      continue;
    }
    let reached = false;
    const seen = new Set<string>();
    const kinds: string[] = [];
    for (const contact of await contactAddresses(trx, config, r.user, r.via)) {
      const channel = config.channels.find((c) => c.kind === contact.channelKind && c.id !== avoid);
      const dedupKey = `${notice.key}/user:${r.user}/${contact.kind}${contact.kind === 'webpush' ? `/${contact.address}` : ''}`;
      if (!channel || seen.has(dedupKey)) continue;
      seen.add(dedupKey);
      await enqueueNotification(trx, clock, { ...base, channelId: channel.id, recipient: { user: r.user, address: contact.address, contact: contact.kind }, dedupKey }, leased);
      if (!kinds.includes(contact.kind)) kinds.push(contact.kind);
      reached = true;
    }
    notes.push({
      incidentId: incident.id,
      kind: reached ? 'notification' : 'escalation',
      text: reached
        ? `${step}: paged ${r.user}${r.schedule ? ` (on call in ${r.schedule})` : ''} by ${kinds.join(', ')}`
        : `${step}: cannot page ${r.user}: no channel serves their contact methods`,
      data: { key: notice.key, user: r.user, reason: notice.reason, via: kinds },
    });
  }
  return notes;
}

/** Status updates (acknowledged, resolved, re-opened) go to every channel the policy names. */
export function policyChannels(config: OpsConfig, policyId: string | undefined): string[] {
  const policy = config.escalation_policies.find((p) => p.id === policyId);
  if (!policy) return [];
  const ids = new Set<string>();
  for (const step of policy.steps) for (const t of step.targets) if ('channel' in t) ids.add(t.channel);
  return [...ids];
}

/**
 * The policy that pages for an incident: the one its alert names with the label
 * `escalation_policy`, else its service's team's policy, else the policy with id `default`, else
 * the first one configured.
 */
export function policyFor(config: OpsConfig, incident: Incident): string | undefined {
  return policyForLabels(config, incident.labels, incident.service ?? incident.labels.service);
}

/**
 * The policy for an incident with these labels (see `policyFor`); an alert's labels route the same
 * way. Between the named policy and the default: the policy of the team owning the `service`.
 */
export function policyForLabels(config: OpsConfig, labels: Readonly<Record<string, string>>, service = labels.service): string | undefined {
  const named = labels.escalation_policy;
  if (named && config.escalation_policies.some((p) => p.id === named)) return named;
  const team = owningTeam(config.teams, service);
  if (team?.escalation_policy) return team.escalation_policy;
  return (config.escalation_policies.find((p) => p.id === 'default') ?? config.escalation_policies[0])?.id;
}
