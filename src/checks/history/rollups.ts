import type { Store } from '../../store/index.js';
import { RESOLUTION, RESOLUTION_MS } from '../../store/repos/check-history.js';
import { deleteResultsBefore, deleteRollupsBefore, maxCheckKey, oldestResultAt, rollupMarks, rollupRange, setRollupMark } from '../../store/repos/check-rollups.js';

export interface RetentionOptions {
  /** Raw results are kept this long (default 7 days). Minute rollups are kept as long. */
  rawMs?: number;
  /** Hour and day rollups are kept this long (default 400 days). */
  rollupsMs?: number;
  /** A minute is rolled up once it ended this long ago, so late writes land first (default 2 min). */
  settleMs?: number;
  /**
   * Checks per statement (default 500). Between chunks the pass lets the event loop run: on SQLite
   * a statement blocks the process, and probes' socket events must not wait behind a long one.
   */
  chunkKeys?: number;
}

const DAY = 86_400_000;

/**
 * Rolls closed minutes into minute rows, closed hours into hour rows and closed days into day rows,
 * then deletes what is past retention. Each level reads only the level below it; marks record how
 * far each level has gone, so the job is cheap to run every minute and resumes after a restart.
 * Every statement covers one chunk of checks and seeks their rows by key (never a scan of the
 * whole history); a level's mark moves once all its chunks are written (a pass cut short redoes
 * its range, and rows already rolled are kept as they are).
 */
export async function rollupAndRetain(store: Store, now: number, opts: RetentionOptions = {}): Promise<{ rolled: Record<string, number>; deleted: number }> {
  const rawMs = opts.rawMs ?? 7 * DAY;
  const rollupsMs = opts.rollupsMs ?? 400 * DAY;
  const settle = opts.settleMs ?? 120_000;
  const chunk = Math.max(1, opts.chunkKeys ?? 500);
  const maxKey = await maxCheckKey(store.db);
  const chunks: { from: number; to: number }[] = [];
  for (let k = 0; k <= maxKey; k += chunk) chunks.push({ from: k, to: k + chunk });
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
      for (const keys of chunks) {
        await rollupRange(store.db, res, start, end, keys);
        await yieldToLoop();
      }
      await setRollupMark(store.db, res, end);
      rolled[name] = (end - start) / size;
    }
    upTo = Math.max(start, end);
  }
  let deleted = 0;
  for (const keys of chunks) {
    deleted += await deleteResultsBefore(store.db, now - rawMs, keys);
    deleted += await deleteRollupsBefore(store.db, RESOLUTION.minute, now - rawMs, keys);
    deleted += await deleteRollupsBefore(store.db, RESOLUTION.hour, now - rollupsMs, keys);
    deleted += await deleteRollupsBefore(store.db, RESOLUTION.day, now - rollupsMs, keys);
    await yieldToLoop();
  }
  return { rolled, deleted };
}

/** Lets timers and I/O callbacks run before the next statement. */
function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
