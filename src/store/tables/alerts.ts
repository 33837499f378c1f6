/**
 * State of one alert rule for one series (rule id + its sorted labels), kept so a restarted
 * process resumes a `for:` or `keep_firing_for` wait instead of starting it again.
 */
export interface AlertSeriesTable {
  /** `rule_id{label="value",…}`: the rule and its sorted labels. */
  series_key: string;
  rule_id: string;
  /** inactive | pending | firing | resolved. */
  state: string;
  /** The series as JSON (`SeriesState` in src/alerts). */
  data: string;
  updated_at: number;
}
