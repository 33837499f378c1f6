import { describe, expect, it } from 'vitest';
import { LeaseHistory } from './evidence.js';
import { silentGapCauses, type GapDisturbance } from './silent-gaps.js';

const S = 1000;
const LEASE = 'checks/04';

/** A lease history from (at, holder, epoch) rows, as the harness's poll of the lease table records it. */
function historyOf(rows: Array<[number, string, number]>): LeaseHistory {
  const h = new LeaseHistory();
  h.changes.set(LEASE, rows.map(([at, holder, epoch]) => ({ at, holder, epoch })));
  return h;
}
const gap = { id: 's0001', from: 42 * S, to: 63 * S };
const causes = (history: LeaseHistory, disturbances: GapDisturbance[]) => silentGapCauses([gap], disturbances, history, () => LEASE);

describe('silent checks by cause', () => {
  it('measures grant → first probe from the grant to the process that probed', () => {
    const history = historyOf([[31 * S, 'b', 3], [50.3 * S, '-', 3], [50.9 * S, 'a', 4], [55.9 * S, '-', 4], [56.7 * S, 'c', 5], [61.4 * S, '-', 5], [62 * S, 'a', 6]]);
    // b stops cleanly; a takes the partition and is killed 1.2 s later; c takes it and is paused as it
    // does (the harness's snapshot of c's leases, read before the signal, is empty); a, restarted, probes.
    const lines = causes(history, [
      { kind: 'restart', node: 'b', at: 48.7 * S, held: new Map([[LEASE, 3]]) },
      { kind: 'kill', node: 'a', at: 52.1 * S, held: new Map([[LEASE, 4]]) },
      { kind: 'pause', node: 'c', at: 56.8 * S, held: new Map() },
    ]);
    expect(lines).toEqual([
      '1 after SIGTERM+restart, taken by another process, then its next holder SIGKILL and SIGSTOP before probing (last probe → restart / restart → first grant / first grant → last grant / last grant → first probe): median 6.7 / 2.2 / 11.1 / 1.0 s, max 6.7 / 2.2 / 11.1 / 1.0 s',
    ]);
  });

  it('a new holder not disturbed: grant → first probe is its own', () => {
    const history = historyOf([[31 * S, 'b', 3], [50.3 * S, '-', 3], [50.9 * S, 'a', 4]]);
    expect(causes(history, [{ kind: 'restart', node: 'b', at: 48.7 * S, held: new Map([[LEASE, 3]]) }])).toEqual([
      '1 after SIGTERM+restart, taken by another process (last probe → restart / restart → lease granted again / grant → first probe): median 6.7 / 2.2 / 12.1 s, max 6.7 / 2.2 / 12.1 s',
    ]);
  });

  it('counts a pause of a process granted the partition in the instant of the signal', () => {
    const history = historyOf([[31 * S, 'b', 3], [56.9 * S, 'c', 4], [61.4 * S, '-', 4], [62 * S, 'a', 5]]);
    expect(causes(history, [{ kind: 'pause', node: 'c', at: 56.8 * S, held: new Map() }])).toEqual([
      '1 after SIGSTOP, taken by another process (last probe → pause / pause → lease granted again / grant → first probe): median 14.8 / 5.2 / 1.0 s, max 14.8 / 5.2 / 1.0 s',
    ]);
  });
});
