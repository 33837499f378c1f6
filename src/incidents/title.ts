import type { AlertEvent } from '../alerts/types.js';
import type { Incident } from './types.js';

/** The title an alert gives the incident it opens or raises: its summary, else its rule. */
export function alertTitle(event: AlertEvent): string {
  return event.annotations.summary ?? event.ruleId;
}

/** `data.event` of the timeline line recording a person setting an incident's title by hand. */
export const TITLE_SET_BY_PERSON = 'title_set_by_person';

/** The longest title a person may give an incident (as when opening one by hand). */
export const MAX_TITLE_CHARS = 500;

/**
 * What becomes of the title when `event` raises the incident's severity to `to`, and the timeline's
 * line saying so. The title follows the alert that set the severity the incident now has, since the
 * title is what an on-call engineer reads first ("Demo service is down", not the lesser alert that
 * opened it); a title a person wrote (`byPerson`: an incident opened by hand, or retitled) is theirs and is kept.
 */
export function raisedTitle(incident: Pick<Incident, 'title' | 'severity'>, to: string, event: AlertEvent, byPerson: boolean): { title?: string; text: string; data: Record<string, unknown> } {
  const title = alertTitle(event);
  const data = { from: incident.severity, to, dedupKey: event.dedupKey };
  const head = `severity raised ${incident.severity} → ${to} by "${title}"`;
  if (byPerson) return { text: `${head}; title kept (written by a person)`, data };
  if (title === incident.title) return { text: head, data };
  return { title, text: `${head}; title was "${incident.title}"`, data: { ...data, title, previousTitle: incident.title } };
}
