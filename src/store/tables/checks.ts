import type { Generated } from 'kysely';

/**
 * Check history. Results are kept compact so a year of checks stays small: a check is a small
 * integer key, an error text is stored once and referenced, and status and level share one integer.
 */

/** One id per configured check, mapped to a small integer key used by the history tables. */
export interface CheckKeysTable {
  key: Generated<number>;
  check_id: string;
  created_at: number;
  /** The settled probe status: 0 up, 1 down, null never settled (see SettledProbe). */
  settled_status: number | null;
  /** The settled level: 0 ok, 1 warning, 2 critical; null before anything settled. */
  settled_level: number | null;
}

/** Error texts, stored once each: "connection refused" a million times costs one row. */
export interface CheckErrorsTable {
  id: Generated<number>;
  text: string;
}

/**
 * One row per run. `state` = level × 2 + (down ? 1 : 0), level 0 ok, 1 warning, 2 critical.
 * Keyed (check_key, at): on SQLite a WITHOUT ROWID table, so the key is the row.
 */
export interface CheckResultsTable {
  check_key: number;
  at: number;
  state: number;
  latency_ms: number;
  value: number | null;
  error_id: number | null;
}

/** Per-minute (1), per-hour (2) and per-day (3) aggregates of results. */
export interface CheckRollupsTable {
  check_key: number;
  resolution: number;
  start: number;
  count: number;
  failures: number;
  warnings: number;
  criticals: number;
  latency_sum: number;
  /** Results per latency bucket; bounds in checks/history (LATENCY_BUCKETS_MS). */
  l0: number; l1: number; l2: number; l3: number; l4: number; l5: number;
  l6: number; l7: number; l8: number; l9: number; l10: number; l11: number;
  value_min: number | null;
  value_max: number | null;
}

/** How far each resolution has been rolled up (exclusive end, epoch ms). */
export interface CheckRollupMarksTable {
  resolution: number;
  rolled_to: number;
}

/** A heartbeat check's secret URL token and its latest beat. */
export interface CheckHeartbeatsTable {
  check_id: string;
  token: string;
  created_at: number;
  last_beat_at: number | null;
  last_failed: number;
}

export interface CheckTables {
  check_keys: CheckKeysTable;
  check_errors: CheckErrorsTable;
  check_results: CheckResultsTable;
  check_rollups: CheckRollupsTable;
  check_rollup_marks: CheckRollupMarksTable;
  check_heartbeats: CheckHeartbeatsTable;
}
