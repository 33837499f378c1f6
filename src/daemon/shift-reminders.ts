import type { OpsConfig } from '../config/index.js';
import type { Clock } from '../lib/clock.js';
import { formatDuration } from '../lib/duration.js';
import { enqueueNotification, signalOutbox, type Notification } from '../notify/index.js';
import { dueShiftReminders, formatInZone, nextShiftReminderAt, schedulesWithOverrides, shiftEnd, type Schedule, type ShiftStart } from '../oncall/index.js';
import { claimShiftReminder, pruneShiftReminders, type Store } from '../store/index.js';
import type { ClusterCoordinator } from '../cluster/index.js';
import { contactAddresses } from './operations/paging.js';
import type { Logger } from './logger.js';
import { PeriodicTask } from './periodic.js';
import { isOpsbookError } from '../lib/errors/index.js';
import { RETRY_AFTER_ERROR_MS } from '../lib/rearm.js';

export interface ShiftRemindersHost {
  readonly config: OpsConfig;
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly cluster?: ClusterCoordinator | undefined;
}

/**
 * How often the reminders look again between due instants: an override or swap made at runtime
 * that brings a shift inside its reminder window is seen within this long.
 */
export const SHIFT_REMINDER_POLL_MS = 15 * 60_000;

/** Reminders of shifts that began longer ago than this are forgotten. */
const KEEP_MS = 30 * 86_400_000;

/** The event a reminder's notification carries. */
export const SHIFT_REMINDER_EVENT = 'oncall.shift_reminder';

/**
 * Reminds the person coming on call, `shift_reminder` before their shift begins, through their
 * low-urgency notification rules. It reads the final schedule (overrides and swaps applied), so the
 * person actually on call is reminded. Each shift is reminded once: a row per schedule, person and
 * start is claimed in the transaction that writes the messages, so neither a restart nor a second
 * process sends it again; in a cluster only the holder of the singletons lease looks, fenced.
 */
export class ShiftReminders {
  readonly name = 'shift-reminders';
  private readonly task: PeriodicTask;
  /** When reminders the store refused at the last look are tried again. */
  private retryAt: number | undefined;

  constructor(private readonly host: ShiftRemindersHost) {
    this.task = new PeriodicTask({
      clock: host.clock,
      // The config's schedules without stored overrides: those are read at each look, at most a poll apart.
      next: (now) => Math.min(nextShiftReminderAt(host.config.schedules, now, SHIFT_REMINDER_POLL_MS) ?? Infinity, now + SHIFT_REMINDER_POLL_MS, this.retryAt ?? Infinity),
      run: () => this.tick(),
      onError: (e) => host.logger.error({ err: e }, 'shift reminders failed'),
    });
  }

  start(): void {
    this.task.start();
  }

  reload(): void {
    this.task.reload();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }

  /** Resolves once the look in progress (if any) has finished. */
  idle(): Promise<void> {
    return this.task.idle();
  }

  /** Sends the reminders due now; answers how many people were reminded. */
  async tick(): Promise<number> {
    const { store, clock, cluster } = this.host;
    const lease = cluster?.singletons;
    if (cluster && !lease) return 0;
    const schedules = await schedulesWithOverrides(store.db, this.host.config.schedules);
    let sent = 0;
    let failed = 0;
    for (const due of dueShiftReminders(schedules, clock.now())) {
      const schedule = schedules.find((s) => s.id === due.schedule)!;
      const claimed = await store.db.transaction().execute(async (trx) => {
        if (cluster) await cluster.fence(trx, 'shift reminder', lease);
        const now = clock.now();
        if (!(await claimShiftReminder(trx, { schedule_id: due.schedule, user_name: due.user, shift_start: due.start, sent_at: now }))) return false;
        const channels = await this.enqueue(trx, schedule, due);
        this.host.logger.info({ schedule: due.schedule, user: due.user, shift_start: new Date(due.start).toISOString(), channels }, channels.length ? 'shift reminder sent' : 'shift reminder: no channel serves their contact methods');
        return true;
      }).catch((err: unknown) => {
        // The lease passed on: its new holder reminds the rest.
        if (isOpsbookError(err) && err.code === 'OPSBOOK_E_FENCED') throw err;
        // One reminder the store refuses holds back no other; it is tried again shortly.
        failed++;
        this.host.logger.error({ err, schedule: due.schedule, user: due.user, shift_start: new Date(due.start).toISOString() }, 'shift reminder could not be written; tried again in a few seconds');
        return false;
      });
      if (claimed) sent++;
    }
    // Armed sooner than the next look: the reminder's window may close before it.
    this.retryAt = failed > 0 ? clock.now() + RETRY_AFTER_ERROR_MS : undefined;
    if (sent > 0) signalOutbox();
    await pruneShiftReminders(store.db, clock.now() - KEEP_MS);
    return sent;
  }

  /** The reminder's messages, one per contact the person's low-urgency rule names; the channels used. */
  private async enqueue(trx: Parameters<typeof contactAddresses>[0], schedule: Schedule, due: ShiftStart): Promise<string[]> {
    const { config, clock } = this.host;
    const used: string[] = [];
    const end = shiftEnd(schedule, due.user, due.start);
    const letter = reminderLetter(config, schedule, due, end, clock.now());
    for (const contact of await contactAddresses(trx, config, due.user, reminderVia(config, due.user))) {
      const channel = config.channels.find((c) => c.kind === contact.channelKind);
      if (!channel) continue;
      const notification: Notification = {
        channelId: channel.id,
        event: SHIFT_REMINDER_EVENT,
        recipient: { user: due.user, address: contact.address, contact: contact.kind },
        dedupKey: `shift-reminder/${due.schedule}/${due.user}/${due.start}/${contact.kind}${contact.kind === 'webpush' ? `/${contact.address}` : ''}`,
        letter,
        shift: { schedule: due.schedule, user: due.user, start: new Date(due.start).toISOString(), ...(end !== undefined ? { end: new Date(end).toISOString() } : {}) },
      };
      const { created } = await enqueueNotification(trx, clock, notification);
      if (created) used.push(channel.id);
    }
    return used;
  }
}

/**
 * The contact kinds a reminder uses: the person's first low-urgency rule (the high rules when they
 * have no low ones); without rules every contact but voice, since a reminder is not worth a call.
 */
export function reminderVia(config: OpsConfig, user: string): string[] | undefined {
  const rules = config.users.find((u) => u.name === user)?.notification_rules;
  const first = (rules?.low ?? rules?.high)?.[0];
  if (first) return first.via;
  return ['email', 'sms', 'ntfy', 'webpush', 'slack', 'webhook'];
}

/** The reminder's words, in the person's time zone (the schedule's when they set none). */
function reminderLetter(config: OpsConfig, schedule: Schedule, due: ShiftStart, end: number | undefined, now: number): NonNullable<Notification['letter']> {
  const zone = config.users.find((u) => u.name === due.user)?.time_zone ?? schedule.timeZone;
  const when = (at: number) => formatInZone(at, zone).replace('T', ' ');
  const name = schedule.name ?? schedule.id;
  // Whole minutes: a look a few seconds late still says "in 1h".
  const inMs = Math.max(0, Math.round((due.start - now) / 60_000) * 60_000);
  return {
    subject: `On call in ${formatDuration(inMs)}: ${name}`,
    text: `${due.user}, your on-call shift in ${name} begins at ${when(due.start)}${end !== undefined ? ` and ends at ${when(end)}` : ''} (${zone}).`,
    links: [{ label: 'On call', url: `${config.server.public_url.replace(/\/+$/, '')}/oncall` }],
  };
}
