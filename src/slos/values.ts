import { checkKeysOf } from './sli.js';
import { deleteValueMinutesBefore, rollValueMinutes, rollupMarks, setSloMark, sloMark, oldestResultAt, type Store } from '../store/index.js';
import type { Slo } from './types.js';
import { DAY } from './windows.js';

const MARK = 'value_minutes';

/** How long per-minute value sums are kept: covers a 90-day window and a month's report. */
export const VALUE_RETENTION_MS = 100 * DAY;

/**
 * Rolls the values of the checks error-ratio SLOs read into per-minute sums, as far as check
 * rollups have closed minutes (so late results have landed), and drops sums past retention.
 * Returns how far values are rolled.
 */
export async function rollErrorRatioValues(store: Store, slos: readonly Slo[], now: number): Promise<number | undefined> {
  const checks = [...new Set(slos.filter((s) => s.kind === 'error_ratio').flatMap((s) => s.checks))];
  const upTo = (await rollupMarks(store.db)).get(1);
  if (checks.length === 0 || upTo === undefined) return upTo;
  const keys = await checkKeysOf(store, checks);
  let from = await sloMark(store.db, MARK);
  if (from === undefined) {
    const oldest = await oldestResultAt(store.db);
    from = oldest === undefined ? upTo : Math.floor(oldest / 60_000) * 60_000;
  }
  if (upTo > from) {
    await store.db.transaction().execute(async (trx) => {
      await rollValueMinutes(trx, keys, from, upTo);
      await setSloMark(trx, MARK, upTo);
    });
    await deleteValueMinutesBefore(store.db, now - VALUE_RETENTION_MS);
  }
  return upTo;
}
