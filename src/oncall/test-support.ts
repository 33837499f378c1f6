import { schedulesSection } from '../config/schema/schedules.js';
import { escalationPoliciesSection } from '../config/schema/escalation-policies.js';
import type { EscalationPolicy, Schedule } from './types.js';

/** Schedules from config as written, through the real section schema (tests only). */
export function schedulesFromConfig(input: unknown[]): Schedule[] {
  return schedulesSection.parse(input);
}

export function scheduleFromConfig(input: Record<string, unknown>): Schedule {
  return schedulesFromConfig([{ id: 'primary', ...input }])[0]!;
}

export function policyFromConfig(input: Record<string, unknown>): EscalationPolicy {
  return escalationPoliciesSection.parse([{ id: 'default', ...input }])[0]!;
}

/** An instant from an ISO string with offset. */
export const at = (iso: string): number => Date.parse(iso);

export const HOUR = 3_600_000;
export const MINUTE = 60_000;
