import { Cron } from 'croner';
import type { MaintenanceWindow } from '../../incidents/index.js';

/** Time each maintenance window was open within [from, to), with its occurrences (bounded). */
export function maintenanceTime(windows: readonly MaintenanceWindow[], from: number, to: number): { id: string; ms: number; occurrences: number; services: string[] }[] {
  return windows.map((w) => {
    let ms = 0;
    let occurrences = 0;
    const add = (start: number, end: number) => {
      const overlap = Math.min(end, to) - Math.max(start, from);
      if (overlap > 0) {
        ms += overlap;
        occurrences++;
      }
    };
    if (w.cron !== undefined && w.durationMs !== undefined) {
      const cron = new Cron(w.cron, { timezone: w.timeZone, paused: true });
      let next = cron.nextRun(new Date(from - w.durationMs));
      // Bounded: a window every minute for a month is 43,200 occurrences.
      for (let n = 0; next && next.getTime() < to && n < 50_000; n++) {
        add(next.getTime(), next.getTime() + w.durationMs);
        next = cron.nextRun(next);
      }
    } else if (w.start !== undefined && w.end !== undefined) {
      add(w.start, w.end);
    }
    return { id: w.id, ms, occurrences, services: w.services };
  });
}
