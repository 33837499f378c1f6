export const DAY_MS = 86_400_000;

/** How a day of a public service looks on the status page. */
export type DayState = 'ok' | 'minor' | 'major' | 'none';

export interface StatusDay {
  /** Start of the day (UTC midnight, epoch ms). */
  day: number;
  state: DayState;
  /** Downtime of the service's checks that day, ms (the worst check). */
  downMs: number;
  /** Published incidents open at some point that day. */
  incidents: number;
  /** Share of successful check results that day; undefined without results. */
  uptime: number | undefined;
}

export interface DayInputs {
  day: number;
  uptime: number | undefined;
  downMs: number;
  incidents: number;
}

/**
 * A day is green only when it has results, less downtime than the threshold and no published
 * incident. Downtime past the threshold or a published incident makes it minor; an hour or more of
 * downtime makes it major.
 */
export function dayState(d: DayInputs, thresholdMs: number): DayState {
  if (d.uptime === undefined && d.incidents === 0) return 'none';
  if (d.downMs >= 3_600_000) return 'major';
  if (d.incidents > 0 || (d.downMs > 0 && d.downMs >= thresholdMs)) return 'minor';
  return 'ok';
}

/** The number of published incidents whose [openedAt, resolvedAt ?? now] overlaps each day. */
export function incidentsPerDay(days: readonly number[], spans: ReadonlyArray<{ from: number; to: number }>): number[] {
  return days.map((day) => spans.filter((s) => s.from < day + DAY_MS && s.to >= day).length);
}
