import type { AlertEvent } from '../alerts/types.js';
import type { Incident } from './types.js';

/** The title an alert gives the incident it opens or raises: its summary, else its rule. */
export function alertTitle(event: AlertEvent): string {
  return event.annotations.summary ?? event.ruleId;
}

/**
 * What becomes of the title when `event` raises the incident's severity to `to`, and the timeline's
 * line saying so. The title follows the alert that set the severity the incident now has, since the
 * title is what an on-call engineer reads first ("Demo service is down", not the lesser alert that
 * opened it); a title a person wrote (an incident opened by hand) is theirs and is kept.
 */
export function raisedTitle(incident: Pick<Incident, 'title' | 'source' | 'severity'>, to: string, event: AlertEvent): { title?: string; text: string; data: Record<string, unknown> } {
  const title = alertTitle(event);
  const data = { from: incident.severity, to, dedupKey: event.dedupKey };
  const head = `severity raised ${incident.severity} → ${to} by "${title}"`;
  if (incident.source === 'manual') return { text: `${head}; title kept (written by a person)`, data };
  if (title === incident.title) return { text: head, data };
  return { title, text: `${head}; title was "${incident.title}"`, data: { ...data, title, previousTitle: incident.title } };
}
