import { whoIsOnCall } from './schedule.js';
import type { EscalationStep, Schedule } from './types.js';

/** A step target resolved at an instant: a person, a channel, or a schedule with nobody on call. */
export type Recipient =
  | { kind: 'user'; user: string; schedule?: string; via?: string[] }
  | { kind: 'channel'; channel: string }
  | { kind: 'nobody'; schedule: string };

/**
 * Whom a step reaches at `at`: users as named, each schedule's on-call person at that instant,
 * channels as named. A person reached twice (named and on call) is notified once. A schedule that
 * is unknown or has nobody on call yields `nobody`, so the incident timeline can say so.
 */
export function resolveStepTargets(
  step: EscalationStep,
  at: number,
  schedules: readonly Schedule[] | ReadonlyMap<string, Schedule>,
): Recipient[] {
  const byId = schedules instanceof Map ? schedules : new Map((schedules as readonly Schedule[]).map((s) => [s.id, s]));
  const out: Recipient[] = [];
  const users = new Set<string>();
  const channels = new Set<string>();
  for (const target of step.targets) {
    if ('user' in target) {
      if (!users.has(target.user)) out.push({ kind: 'user', user: target.user });
      users.add(target.user);
    } else if ('schedule' in target) {
      const schedule = byId.get(target.schedule);
      const who = schedule ? whoIsOnCall(schedule, at) : undefined;
      if (!who) out.push({ kind: 'nobody', schedule: target.schedule });
      else if (!users.has(who.user)) {
        out.push({ kind: 'user', user: who.user, schedule: target.schedule });
        users.add(who.user);
      }
    } else if (!channels.has(target.channel)) {
      out.push({ kind: 'channel', channel: target.channel });
      channels.add(target.channel);
    }
  }
  return out;
}
