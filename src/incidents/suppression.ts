import { Cron } from 'croner';
import type { Labels } from '../alerts/types.js';
import { labelMatches, labelsMatch } from '../lib/labels.js';
import type { MaintenanceWindow, Matcher, Silence, Suppression } from './types.js';

/** A missing label reads as the empty string, as in Alertmanager. */
export const matcherMatches: (m: Matcher, labels: Labels) => boolean = labelMatches;
export const matchersMatch: (matchers: readonly Matcher[], labels: Labels) => boolean = labelsMatch;

/** The occurrence of a window that covers `at`, as [start, end), if one does. */
export function activeOccurrence(w: MaintenanceWindow, at: number): { start: number; end: number } | undefined {
  return occurrenceWithin(w, at, at + 1);
}

/** An occurrence of a window that overlaps [from, to), as [start, end): the first, if any does. */
export function occurrenceWithin(w: MaintenanceWindow, from: number, to: number): { start: number; end: number } | undefined {
  if (w.cron !== undefined && w.durationMs !== undefined) {
    // The first occurrence after `from - duration` is the first whose window can still be open at `from`.
    const next = cronFor(w).nextRun(new Date(from - w.durationMs));
    if (!next || next.getTime() >= to) return undefined;
    return { start: next.getTime(), end: next.getTime() + w.durationMs };
  }
  if (w.start !== undefined && w.end !== undefined && w.start < to && w.end > from) return { start: w.start, end: w.end };
  return undefined;
}

const cronCache = new Map<string, Cron>();
function cronFor(w: MaintenanceWindow): Cron {
  const key = `${w.timeZone} ${w.cron}`;
  let c = cronCache.get(key);
  if (!c) {
    c = new Cron(w.cron!, { timezone: w.timeZone, paused: true });
    cronCache.set(key, c);
  }
  return c;
}

/** Whether a window's scope (services and matchers) takes in an alert with these labels. */
export function windowCovers(w: MaintenanceWindow, labels: Labels): boolean {
  if (w.services.length > 0 && !w.services.includes(labels.service ?? '')) return false;
  return matchersMatch(w.matchers, labels);
}

/**
 * The window or silence holding back notifications for these labels at `at`: maintenance windows
 * first, then silences, each in the order given. Suppression only affects notifications: the
 * incident opens and its timeline says what held the notification back.
 */
export function findSuppression(
  labels: Labels,
  at: number,
  windows: readonly MaintenanceWindow[],
  silences: readonly Silence[],
): Suppression | undefined {
  for (const w of windows) {
    if (!windowCovers(w, labels)) continue;
    const occ = activeOccurrence(w, at);
    if (occ) return { kind: 'maintenance', id: w.id, until: occ.end, onEnd: w.onEnd, ...(w.comment ? { comment: w.comment } : {}) };
  }
  for (const s of silences) {
    if (s.startsAt <= at && at < s.endsAt && matchersMatch(s.matchers, labels)) {
      return { kind: 'silence', id: s.id, until: s.endsAt, onEnd: s.onEnd, ...(s.comment ? { comment: s.comment } : {}), ...(s.warning ? { warning: s.warning } : {}) };
    }
  }
  return undefined;
}

export function describeSuppression(s: Suppression): string {
  return `${s.kind === 'maintenance' ? 'maintenance window' : 'silence'} ${s.id}`;
}

/** What the timeline adds to a hold's line when its silence takes in more than a new one may. */
export function suppressionWarning(s: Suppression): string {
  return s.warning ? `; that silence ${s.warning}` : '';
}
