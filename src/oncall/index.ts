export type {
  EscalationPolicy,
  EscalationStep,
  EscalationTarget,
  PersonalRule,
  Layer,
  OnCall,
  Override,
  Restriction,
  Rotation,
  Schedule,
  Shift,
  Weekday,
} from './types.js';
export { dailyRoster, type RosterDay } from './roster.js';
export { layerOnCall, layerOnCallAt, layerShiftsBetween, onCallPerLayer, shiftsBetween, whoIsOnCall } from './schedule.js';
export { rotationShiftAt, rotationShiftsBetween, type RotationShift } from './rotation.js';
export { resolveStepTargets, type Recipient } from './targets.js';
export { upcomingPage, describeRecipients, type UpcomingPage } from './upcoming.js';
export {
  acknowledgeEscalation,
  escalateEscalation,
  firstStep,
  nextChainStep,
  onTimer,
  resolveEscalation,
  reviseEscalation,
  schedulePages,
  startEscalation,
  stepApplies,
  type EscalateNowResult,
  type EscalationAction,
  type EscalationIncident,
  type EscalationReason,
  type EscalationResult,
  type EscalationState,
  type EscalationStatus,
  type PendingPage,
  type PendingTimedStep,
} from './escalation.js';
export { checkOncallReferences, type ReferenceIssue } from './references.js';
export { canonicalTimeZone, formatInZone, parseInstant } from './zoned-time.js';
export { EscalationDriver, type EscalationDriverOptions, type EscalationNotice } from './escalation-driver.js';
export { describeSchedule, type OnCallSlot } from './report.js';
export { shiftCalendar, FEED_AHEAD_MS, FEED_PAST_MS, type FeedOptions } from './calendar.js';
export { withStoredOverrides, checkOverride, MAX_OVERRIDE_MS, type StoredOverride, type OverrideRequest, type FieldPath } from './overrides.js';
export { OverrideBook, schedulesWithOverrides, type CreateOverride, type CreateSwap, type OverrideBookHost } from './override-book.js';
export { CalendarFeeds, type CalendarFeed, type CalendarFeedsHost } from './feeds.js';
export { dueShiftReminders, nextShiftReminderAt, shiftEnd, shiftStartsBetween, type ShiftStart } from './reminders.js';
