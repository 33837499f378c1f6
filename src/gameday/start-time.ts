/**
 * When a game day's simulated time starts. Simulated time starts near the wall clock (certificates
 * and backups carry real dates), at its minute — moved past any maintenance window of the system's
 * ops.yaml that is open then or opens within the game day's horizon. Else the hour a run began
 * decided its result: library's weekly window ("0 2 * * 0", 30 min) held every page of a world
 * started on a Sunday between 02:00 and 02:30 UTC, and its scenarios failed "no page reached".
 * The maintenance drill opens a window of its own, when it wants one.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { maintenanceSection } from '../config/schema/maintenance.js';
import { occurrenceWithin, type MaintenanceWindow } from '../incidents/index.js';

const MINUTE = 60_000;
/** Longer than any world lives in simulated time (the longest, an hourly heartbeat's page and its escalation, is about two hours). */
export const GAME_DAY_HORIZON_MS = 6 * 60 * MINUTE;

/** The first minute at or after `now` from which `horizonMs` passes with no window open; `now` when there is none within a week. */
export function startClearOfWindows(windows: readonly MaintenanceWindow[], now: number, horizonMs = GAME_DAY_HORIZON_MS): number {
  let start = Math.ceil(now / MINUTE) * MINUTE;
  for (let moves = 0; moves < 1000 && start - now < 7 * 24 * 60 * MINUTE; moves++) {
    const endOfFirst = windows.reduce<number | undefined>((latest, w) => {
      const o = occurrenceWithin(w, start, start + horizonMs);
      return o === undefined ? latest : Math.max(latest ?? 0, o.end);
    }, undefined);
    if (endOfFirst === undefined) return start;
    start = Math.ceil(endOfFirst / MINUTE) * MINUTE;
  }
  return Math.ceil(now / MINUTE) * MINUTE;
}

/** The maintenance windows `DIR/ops.yaml` declares; none when they cannot be read (the daemon's load then says why). */
export async function declaredWindows(systemDir: string): Promise<MaintenanceWindow[]> {
  try {
    const doc = parse(await readFile(join(systemDir, 'ops.yaml'), 'utf8')) as { maintenance?: unknown } | null;
    const windows = maintenanceSection.safeParse(doc?.maintenance ?? []);
    return windows.success ? windows.data : [];
  } catch {
    return [];
  }
}
