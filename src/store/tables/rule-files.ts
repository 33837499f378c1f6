/**
 * An alert of a Prometheus rule-file alerting rule (pending, firing, or resolved and still
 * remembered), kept so a restarted process resumes its `for:` wait. Instants are epoch ms.
 */
export interface RuleAlertsTable {
  /** `FILE#GROUP`: the rule file as the config directory sees it, and the group's name. */
  group_key: string;
  /** The alerting rule's name (`alert:`). */
  rule: string;
  /** The alert's sorted labels as text: one row per label set. */
  labels_key: string;
  /** pending | firing | inactive. */
  state: string;
  /** JSON object. */
  labels: string;
  /** JSON object: the annotations as last expanded. */
  annotations: string;
  value: number | null;
  active_at: number;
  fired_at: number | null;
  resolved_at: number | null;
  keep_firing_since: number | null;
  updated_at: number;
}

export interface RuleFileTables {
  rule_alerts: RuleAlertsTable;
}
