import { OPEN_STATES, type Incident } from '../incidents/index.js';
import type { AlertExpectation, IncidentExpectation, NotificationExpectation } from './format.js';
import type { SentNotification, Snapshot } from './simulation.js';

/**
 * Compares what the pipeline did with what the test expects, promtool-style: at each instant an
 * expectation names, the pending/firing alerts and the open incidents must be exactly the ones
 * listed (resolved ones may be listed too), and when `notifications:` is given, every notification
 * of the whole run must be listed at the instant it was enqueued.
 */

/** `6m`, `1h30m` → minutes as tests write them: `90m`; seconds when not whole minutes. */
export function formatOffset(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

type AlertSeen = Snapshot['alerts'][number];
type IncidentSeen = Snapshot['incidents'][number];

function labelsMatch(want: Record<string, string> | undefined, got: Record<string, string>): boolean {
  return Object.entries(want ?? {}).every(([k, v]) => got[k] === v);
}

function alertMatches(e: AlertExpectation, a: AlertSeen): boolean {
  return (e.rule === undefined || e.rule === a.rule) && e.state === a.state && (e.severity === undefined || e.severity === a.severity) && labelsMatch(e.labels, a.labels);
}

function incidentMatches(e: IncidentExpectation, i: IncidentSeen): boolean {
  return (
    (e.severity === undefined || e.severity === i.severity) &&
    (e.state === undefined || e.state === i.state) &&
    (e.title === undefined || e.title === i.title) &&
    (e.title_contains === undefined || i.title.includes(e.title_contains)) &&
    (e.service === undefined || e.service === i.service) &&
    (e.held_by === undefined || e.held_by === i.heldBy?.id)
  );
}

function notificationMatches(e: NotificationExpectation, n: SentNotification): boolean {
  return (
    (e.channel === undefined || e.channel === n.channel) &&
    (e.user === undefined || e.user === n.user) &&
    (e.event === undefined || e.event === n.event) &&
    (e.step === undefined || e.step === n.step)
  );
}

const describeAlert = (a: AlertSeen): string => `${a.rule} ${a.state}${a.severity ? ` (${a.severity})` : ''}`;
const describeIncident = (i: IncidentSeen): string =>
  `${i.severity} ${i.state} "${i.title}"${i.service ? ` of ${i.service}` : ''}${i.heldBy ? ` held by ${i.heldBy.id}` : ''}`;
export const describeNotification = (n: Pick<SentNotification, 'channel' | 'user' | 'event' | 'step'>): string =>
  `${n.event.replace(/^incident\./, '')} to ${n.user ? `${n.user} via ${n.channel}` : `channel ${n.channel}`}${n.step ? ` (step ${n.step})` : ''}`;

function wantAlert(e: AlertExpectation): string {
  const labels = e.labels ? ` {${Object.entries(e.labels).map(([k, v]) => `${k}="${v}"`).join(', ')}}` : '';
  return `alert ${e.rule ?? '(any rule)'} ${e.state}${e.severity ? ` (${e.severity})` : ''}${labels}`;
}

function wantIncident(e: IncidentExpectation): string {
  const parts = [e.severity, e.state, e.title !== undefined ? `"${e.title}"` : undefined, e.title_contains !== undefined ? `titled …${e.title_contains}…` : undefined];
  if (e.service) parts.push(`of ${e.service}`);
  if (e.held_by) parts.push(`held by ${e.held_by}`);
  const text = parts.filter(Boolean).join(' ');
  return `incident${text ? ` ${text}` : ''}`;
}

function wantNotification(e: NotificationExpectation): string {
  const event = e.event ? e.event.replace(/^incident\./, '') : 'notification';
  const to = e.user ? ` to ${e.user}${e.channel ? ` via ${e.channel}` : ''}` : e.channel ? ` to channel ${e.channel}` : '';
  return `${event}${to}${e.step ? ` (step ${e.step})` : ''}`;
}

/** Pairs each expectation with a distinct observation, in the order written; returns what is left over. */
function pair<E, O>(expected: E[], observed: O[], matches: (e: E, o: O) => boolean): { missing: E[]; extra: O[] } {
  const left = [...observed];
  const missing: E[] = [];
  for (const e of expected) {
    const i = left.findIndex((o) => matches(e, o));
    if (i < 0) missing.push(e);
    else left.splice(i, 1);
  }
  return { missing, extra: left };
}

function groupByAt<T extends { at: number }>(items: readonly T[]): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const item of items) out.set(item.at, [...(out.get(item.at) ?? []), item]);
  return out;
}

/** "it is firing at 6m": the first other instant where the expectation would have held, if any. */
function hint<T>(snapshots: readonly Snapshot[], at: number, pick: (s: Snapshot) => T[], matches: (o: T) => boolean): string {
  const other = snapshots.find((s) => s.at !== at && pick(s).some(matches));
  return other ? `; it holds at ${formatOffset(other.at)}` : '';
}

function checkSnapshotSet<E extends { at: number; none?: true | undefined }, O>(
  expected: readonly E[],
  snapshots: readonly Snapshot[],
  what: { noun: string; pick: (s: Snapshot) => O[]; strict: (o: O) => boolean; matches: (e: E, o: O) => boolean; want: (e: E) => string; describe: (o: O) => string },
): string[] {
  const failures: string[] = [];
  const byAt = new Map(snapshots.map((s) => [s.at, s]));
  for (const [at, group] of groupByAt(expected)) {
    const snap = byAt.get(at)!;
    const seen = what.pick(snap);
    const active = seen.filter(what.strict);
    const got = active.length > 0 ? active.map(what.describe).join(', ') : 'none';
    if (group.some((e) => e.none)) {
      if (active.length > 0) failures.push(`expected no ${what.noun} at ${formatOffset(at)}, got ${got}`);
      continue;
    }
    const { missing, extra } = pair(group, seen, what.matches);
    for (const e of missing) {
      let why = hint(snapshots, at, what.pick, (o) => what.matches(e, o));
      if (!why && active.length === 0) {
        // Nothing then and never a match: say what came next, so a wrong minute or severity shows.
        const next = snapshots.find((s) => s.at > at && what.pick(s).some(what.strict));
        if (next) why = `; next, at ${formatOffset(next.at)}: ${what.pick(next).filter(what.strict).map(what.describe).join(', ')}`;
      }
      failures.push(`expected ${what.want(e)} at ${formatOffset(at)}, got ${got}${why}`);
    }
    for (const o of extra.filter(what.strict)) failures.push(`unexpected ${what.noun} at ${formatOffset(at)}: ${what.describe(o)}`);
  }
  return failures;
}

export function checkAlerts(expected: readonly AlertExpectation[], snapshots: readonly Snapshot[]): string[] {
  return checkSnapshotSet(expected, snapshots, {
    noun: 'alert',
    pick: (s) => s.alerts,
    strict: (a) => a.state === 'pending' || a.state === 'firing',
    matches: alertMatches,
    want: wantAlert,
    describe: describeAlert,
  });
}

export function checkIncidents(expected: readonly IncidentExpectation[], snapshots: readonly Snapshot[]): string[] {
  return checkSnapshotSet(expected, snapshots, {
    noun: 'open incident',
    pick: (s) => s.incidents,
    strict: (i: Incident) => OPEN_STATES.includes(i.state),
    matches: incidentMatches,
    want: wantIncident,
    describe: describeIncident,
  });
}

/** Notifications carry offsets from the test's start in `at`. */
export function checkNotifications(expected: readonly NotificationExpectation[] | undefined, noneAfter: number | undefined, sent: readonly SentNotification[]): string[] {
  const failures: string[] = [];
  if (expected) {
    const { missing, extra } = pair(
      [...expected],
      [...sent],
      (e, n) => e.at === n.at && notificationMatches(e, n),
    );
    for (const e of missing) {
      const then = sent.filter((n) => n.at === e.at);
      const elsewhere = sent.find((n) => n.at !== e.at && notificationMatches(e, n));
      const got = then.length > 0 ? then.map(describeNotification).join(', ') : 'none';
      failures.push(`expected ${wantNotification(e)} at ${formatOffset(e.at)}, got ${got}${elsewhere ? `; one was sent at ${formatOffset(elsewhere.at)}` : ''}`);
    }
    for (const n of extra) failures.push(`unexpected notification at ${formatOffset(n.at)}: ${describeNotification(n)}`);
  }
  if (noneAfter !== undefined) {
    for (const n of sent.filter((x) => x.at > noneAfter)) {
      failures.push(`expected no notification after ${formatOffset(noneAfter)}, got ${describeNotification(n)} at ${formatOffset(n.at)}`);
    }
  }
  return failures;
}
