/** An override a person made at runtime: `user_name` is on call in the schedule over [starts_at, ends_at). */
export interface OncallOverridesTable {
  id: string;
  schedule_id: string;
  user_name: string;
  /** Whose shift it covers (a swap names both); null when not said. */
  covers: string | null;
  starts_at: number;
  ends_at: number;
  reason: string;
  /** Both halves of a swap share it; they are created and deleted together. */
  swap_id: string | null;
  created_by: string;
  created_at: number;
}

/** A secret calendar feed URL; revoking it ends that URL only. */
export interface CalendarFeedsTable {
  id: string;
  kind: 'schedule' | 'user';
  /** The schedule id or the person's name. */
  subject: string;
  created_by: string;
  created_at: number;
  revoked_at: number | null;
  revoked_by: string | null;
}

/** A shift reminder that went out: one row per person, schedule and shift start. */
export interface ShiftRemindersTable {
  schedule_id: string;
  user_name: string;
  shift_start: number;
  sent_at: number;
}

export interface OncallTables {
  oncall_overrides: OncallOverridesTable;
  calendar_feeds: CalendarFeedsTable;
  shift_reminders: ShiftRemindersTable;
}
