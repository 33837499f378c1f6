import { z } from 'zod';
import { duration, pushIssue } from './common.js';

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/** `storage.retention:` — how long each kind of history is kept. The audit log is never pruned. */
const retentionSection = z
  .strictObject({
    check_results: duration({ min: '1h', max: '3650d' })
      .prefault('7d')
      .describe('Raw check results (one row per run) and their minute rollups.'),
    check_rollups: duration({ min: '1d', max: '3650d' })
      .prefault('400d')
      .describe('Hour and day rollups of check results (uptime, latency percentiles, SLO history).'),
    deliveries: duration({ min: '1d', max: '3650d' })
      .prefault('90d')
      .describe('Delivery attempts, and outbox rows that were delivered, dead or cancelled. Pending pages are never pruned.'),
    transcripts: duration({ min: '1d', max: '3650d' })
      .prefault('400d')
      .describe('Transcripts (commands, outputs) of executions that finished; the execution record itself stays.'),
    every: duration({ min: '1m', max: '1d' })
      .prefault('1h')
      .describe('How often the retention job runs.'),
  })
  .prefault({})
  .describe('How long history is kept, per kind. Samples have their own window; the audit log is never pruned.');

/** `storage.cluster:` — several processes on one PostgreSQL (docs/cluster.md). */
const clusterSection = z
  .strictObject({
    lease: duration({ min: '2s', max: '5m' })
      .prefault('10s')
      .describe('PostgreSQL: how long a process holds its checks without renewing; a process that died or lost the database is replaced after at most this long, and the runbook steps it was running are marked interrupted when its heartbeat lapses (within a lease).'),
    partitions: z
      .number()
      .int()
      .min(1)
      .max(1024)
      .prefault(32)
      .describe('PostgreSQL: how many leases the checks and escalations are split into; each is run by one process at a time. Every process must use the same number.'),
    member: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('PostgreSQL: this process\'s name, the same across its restarts and different from every other running process\'s (e.g. "${HOSTNAME}" of a StatefulSet pod): a restart takes over the previous incarnation\'s leases at once instead of after a lease.'),
  })
  .prefault({})
  .describe('PostgreSQL: how processes sharing one database split the work. Ignored on SQLite (one process).');

/**
 * `storage:` — absent `url` means SQLite at `<data_dir>/opsbook.db`; a `postgres://` or
 * `postgresql://` URL means PostgreSQL; any other text is a SQLite file path relative to the
 * config's directory. `resolveStorage` in ../storage.ts turns this into an absolute target.
 */
export const storageSection = z
  .strictObject({
    url: z
      .string()
      .min(1)
      .superRefine((url, ctx) => {
        const scheme = SCHEME.exec(url)?.[1]?.toLowerCase();
        if (scheme && scheme !== 'postgres' && scheme !== 'postgresql') {
          pushIssue(ctx, 'OPSBOOK_E_STORE_URL', `must be a postgres:// URL or a SQLite file path (got a ${scheme}:// URL)`, url);
        }
      })
      .optional()
      .describe('postgres:// URL, or a SQLite file path; absent means SQLite at DATA_DIR/opsbook.db.'),
    data_dir: z
      .string()
      .min(1)
      .prefault('.opsbook')
      .describe('Directory for opsbook state (SQLite file, transcripts), relative to the config directory.'),
    retention: retentionSection,
    checkpoint_every: duration({ min: '10s', max: '1d' })
      .prefault('5m')
      .describe('SQLite: how often the write-ahead log is checkpointed into the database and truncated. Ignored on PostgreSQL.'),
    full_retry: duration({ min: '1s', max: '1h' })
      .prefault('10s')
      .describe('While the store cannot write for lack of space (disk full), how often opsbook tries a write again; pages go out from memory meanwhile.'),
    cluster: clusterSection,
  })
  .prefault({})
  .describe('Where opsbook keeps its state.');
