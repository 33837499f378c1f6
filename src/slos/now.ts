import type { OpsConfig } from '../config/index.js';
import type { Store } from '../store/index.js';
import { slosFromConfig } from './model.js';
import { recoveryPointStatus, type RecoveryPointStatus } from './recovery.js';
import type { SliReads } from './sli.js';
import { sloStatus, type SloStatus } from './status.js';

/** A recovery point as it stands now, without its history. */
export type RecoveryPointNow = Omit<RecoveryPointStatus, 'history'>;

/** Every configured SLO over its own window and every recovery point, as of `now`: `opsbook slo status` and GET /api/slos. */
export async function slosNow(store: Store, config: Pick<OpsConfig, 'slos' | 'checks'>, now: number): Promise<{ slos: SloStatus[]; recoveryPoints: RecoveryPointNow[] }> {
  const { slos, recoveryPoints } = slosFromConfig(config);
  const statuses: SloStatus[] = [];
  const reads: SliReads = {};
  for (const s of slos) statuses.push(await sloStatus(store, s, now, reads));
  const points: RecoveryPointNow[] = [];
  for (const r of recoveryPoints) {
    const { history: _history, ...point } = await recoveryPointStatus(store, r, now, now);
    points.push(point);
  }
  return { slos: statuses, recoveryPoints: points };
}
