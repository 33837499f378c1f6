/**
 * Seed 004's point-in-time recovery (runbooks/apex.md#point-in-time-recovery, 004-R13) rehearsed on
 * the apex game-day world's private cluster as examples/apex/gameday.yaml makes it (WAL archiving on,
 * the `apex` database): its base backup plus the WAL its archive_command archived, restored to a
 * target time in a scratch cluster, held against the objective examples/apex/ops.yaml gives the
 * procedure (RPO 15 min, RTO 4 h). The game day runs the same recovery test (gameday.yaml
 * `recovery:`, `method: point_in_time`) in `npm run gamedays -- apex`; this is it on its own, with
 * every figure asserted.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOpsConfig } from '../../src/daemon/config.js';
import { startPrivatePostgres, type PrivatePostgres } from '../../src/gameday/faults/postgres-cluster.js';
import { formatPointInTime, pointInTimeRecovery } from '../../src/gameday/point-in-time.js';
import { loadGameDaySpec } from '../../src/gameday/spec.js';
import { createScratchDatabase } from '../../src/store/index.js';
import { postgresServerInstalled } from './faults/available.js';
import { placeholderEnv, REPO } from '../seeds/coverage.js';
import { scaled } from '../support/timing.js';

const installed = postgresServerInstalled();
const APEX = join(REPO, 'examples', 'apex');
const PROCEDURE = 'runbooks/apex.md#point-in-time-recovery';

describe.skipIf(!installed)('point-in-time recovery of the apex world’s cluster', () => {
  let cluster: PrivatePostgres;
  let databaseUrl: string;
  let objective: { rpo: number; rto: number };
  beforeAll(async () => {
    const spec = await loadGameDaySpec(APEX);
    expect(spec.postgres?.archive, 'examples/apex/gameday.yaml archives WAL').toBe(true);
    expect(spec.recovery, 'examples/apex/gameday.yaml runs this recovery test').toContainEqual({ procedure: PROCEDURE, method: 'point_in_time' });
    cluster = await startPrivatePostgres({ maxConnections: spec.postgres!.max_connections, replica: false, archive: true });
    databaseUrl = (await createScratchDatabase(cluster.url(), spec.postgres!.database ?? 'apex')).url;
    const file = join(APEX, 'ops.yaml');
    const loaded = await loadOpsConfig(file, { env: placeholderEnv(readFileSync(file, 'utf8')) });
    if (!loaded.ok) throw new Error('examples/apex/ops.yaml does not load');
    objective = loaded.config.procedures[PROCEDURE]!.recovery_test!;
  }, scaled(120_000));
  afterAll(async () => {
    await cluster?.close();
  });

  it('restores the base backup and archived WAL to a target time: rows before it present, the one after absent, within RPO 15 min and RTO 4 h', async () => {
    expect(objective).toMatchObject({ rpo: 15 * 60_000, rto: 4 * 3_600_000 });
    const r = await pointInTimeRecovery({ databaseUrl, walArchiveDir: cluster.walArchiveDir!, objective: { rpoMs: objective.rpo, rtoMs: objective.rto } });
    console.log(`point-in-time recovery (${PROCEDURE}): ${formatPointInTime(r)}`);
    expect(r.failures).toEqual([]);
    expect(r.passed).toBe(true);
    expect(r.rowsBeforeRestored).toBe(r.rowsBefore);
    expect(r.afterAbsent).toBe(true);
    expect(r.segmentsRestored).toBeGreaterThan(0);
    expect(r.achievedRpoSeconds).toBeGreaterThanOrEqual(0);
    expect(r.achievedRpoSeconds * 1000).toBeLessThanOrEqual(objective.rpo);
    expect(r.achievedRtoSeconds * 1000).toBeLessThanOrEqual(objective.rto);
  }, scaled(240_000));
});
