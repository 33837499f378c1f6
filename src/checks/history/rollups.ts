import type { Store } from '../../store/index.js';
import {
  RESOLUTION,
  RESOLUTION_MS,
  deleteResultsBefore,
  deleteRollupsBefore,
  oldestResultAt,
  rollupMarks,
  rollupRange,
  setRollupMark,
} from '../../store/repos/check-history.js';

export interface RetentionOptions {
  /** Raw results are kept this long (default 7 days). Minute rollups are kept as long. */
  rawMs?: number;
  /** Hour and day rollups are kept this long (default 400 days). */
  rollupsMs?: number;
  /** A minute is rolled up once it ended this long ago, so late writes land first (default 2 min). */
  settleMs?: number;
}

const DAY = 86_400_000;

/**
 * Rolls closed minutes into minute rows, closed hours into hour rows and closed days into day rows,
 * then deletes what is past retention. Each level reads only the level below it; marks record how
 * far each level has gone, so the job is cheap to run every minute and resumes after a restart.
 */
export async function rollupAndRetain(store: Store, now: number, opts: RetentionOptions = {}): Promise<{ rolled: Record<string, number>; deleted: number }> {
  const rawMs = opts.rawMs ?? 7 * DAY;
  const rollupsMs = opts.rollupsMs ?? 400 * DAY;
  const settle = opts.settleMs ?? 120_000;
  const marks = await rollupMarks(store.db);
  const rolled: Record<string, number> = {};
  let upTo = now - settle;
  for (const [name, res] of Object.entries(RESOLUTION) as [string, 1 | 2 | 3][]) {
    const size = RESOLUTION_MS[res]!;
    const end = Math.floor(upTo / size) * size;
    let start = marks.get(res);
    if (start === undefined) {
      const oldest = await oldestResultAt(store.db);
      start = oldest === undefined ? end : Math.floor(oldest / size) * size;
    }
    if (end > start) {
      await store.db.transaction().execute(async (trx) => {
        await rollupRange(trx, res, start!, end);
        await setRollupMark(trx, res, end);
      });
      rolled[name] = (end - start) / size;
    }
    upTo = Math.max(start, end);
  }
  let deleted = await deleteResultsBefore(store.db, now - rawMs);
  deleted += await deleteRollupsBefore(store.db, RESOLUTION.minute, now - rawMs);
  deleted += await deleteRollupsBefore(store.db, RESOLUTION.hour, now - rollupsMs);
  deleted += await deleteRollupsBefore(store.db, RESOLUTION.day, now - rollupsMs);
  return { rolled, deleted };
}
