/** One row per incident escalation: the on-call state machine's JSON state and its only timer. */
export interface EscalationsTable {
  incident_id: string;
  policy_id: string;
  status: string;
  /** When the escalation must next be advanced; null once stopped. Indexed: the timer loop reads it. */
  next_at: number | null;
  /** `EscalationState` as JSON. */
  state: string;
  updated_at: number;
}

export interface EscalationTables {
  escalations: EscalationsTable;
}
