/**
 * WAL archiving failing on a real private cluster: archive_command copies into a directory the fault
 * makes unwritable; apex's own probe (examples/apex/ops.yaml, apex-wal-archiving) sees the archiver's
 * failure, and sees it mended once the directory is writable again.
 */
import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConfig } from '../../../src/checks/testing/index.js';
import { startPrivatePostgres, type PrivatePostgres } from '../../../src/gameday/faults/postgres-cluster.js';
import { walArchive } from '../../../src/gameday/faults/wal-archive.js';
import { postgresServerInstalled } from './available.js';
import { scaled } from '../../support/timing.js';

const installed = postgresServerInstalled();
const ARCHIVE_FAILING = "select count(*) from pg_stat_archiver where last_failed_time > coalesce(last_archived_time, '-infinity')";

describe.skipIf(!installed)('WAL archiving fault', () => {
  let cluster: PrivatePostgres;
  beforeAll(async () => {
    cluster = await startPrivatePostgres({ maxConnections: 10, replica: false, archive: true });
  }, scaled(120_000));
  afterAll(() => cluster?.close());

  it('archives segments, fails to while the directory is unwritable, and catches up once mended', async () => {
    const archive = walArchive(cluster.url(), cluster.walArchiveDir!);
    const probe = () => runConfig({ kind: 'postgres', url: cluster.url(), query: ARCHIVE_FAILING, conditions: ['[VALUE] == 0'] });
    await archive.switchWal();
    for (const end = Date.now() + scaled(30_000); (await readdir(archive.dir)).length === 0 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 100));
    expect((await readdir(archive.dir)).length).toBeGreaterThan(0);
    expect((await probe()).status).toBe('up');
    await archive.fail();
    expect((await probe()).status).toBe('down');
    await archive.mend();
    expect((await probe()).status).toBe('up');
  }, scaled(180_000));
});
