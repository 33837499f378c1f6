/** Row types of the SLO domain. Instants are epoch milliseconds. */

/** A burn-rate alert series that is firing, so a restarted process resolves it rather than forgetting it. */
export interface SloAlertsTable {
  /** `slo:ID{slo="…",urgency="page"}`: the dedup key of its alerts. */
  series_key: string;
  slo_id: string;
  /** page | ticket. */
  urgency: string;
  firing_since: number;
  updated_at: number;
}

/**
 * Per-minute sums of the values of checks an `error_ratio` SLO reads (check rollups keep only
 * min/max of values; a ratio needs their sum).
 */
export interface SloValueMinutesTable {
  check_key: number;
  start: number;
  count: number;
  value_sum: number;
}

/** How far the value minutes have been rolled. */
export interface SloMarksTable {
  name: string;
  rolled_to: number;
}

/** The SLO domain's tables, by name (merged into `Database`). */
export interface SloTables {
  slo_alerts: SloAlertsTable;
  slo_value_minutes: SloValueMinutesTable;
  slo_marks: SloMarksTable;
}
