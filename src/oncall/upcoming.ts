import type { Kysely } from 'kysely';
import { getEscalation, type Database } from '../store/index.js';
import { nextChainStep, type EscalationState } from './escalation.js';
import { schedulesWithOverrides } from './override-book.js';
import { resolveStepTargets, type Recipient } from './targets.js';
import type { EscalationPolicy, Schedule } from './types.js';

/** Who an unanswered incident's escalation pages next, and when. */
export interface UpcomingPage {
  /** When the page goes out unless someone acknowledges first. */
  at: number;
  /** The policy's step, counted from 1 as people read it. */
  step: number;
  /** The round through the policy's steps, counted from 1 (above 1 only with `repeat`). */
  round: number;
  /** The step's targets as they resolve at `at`: a schedule's person on call then, with the overrides people made. */
  recipients: Recipient[];
}

/**
 * The next page of an incident's running escalation (see `nextChainStep`), read from the store;
 * undefined when nobody will be paged next (acknowledged, resolved, the chain run out, no escalation).
 */
export async function upcomingPage(db: Kysely<Database>, policies: readonly EscalationPolicy[], schedules: readonly Schedule[], incidentId: string): Promise<UpcomingPage | undefined> {
  const row = await getEscalation(db, incidentId);
  if (!row || row.status !== 'active') return undefined;
  let state: EscalationState;
  try {
    state = JSON.parse(row.state) as EscalationState;
  } catch {
    return undefined;
  }
  const policy = policies.find((p) => p.id === state.policyId);
  const next = policy ? nextChainStep(policy, state) : undefined;
  if (!policy || !next) return undefined;
  const step = policy.steps[next.stepIndex]!;
  const ids = new Set(step.targets.flatMap((t) => ('schedule' in t ? [t.schedule] : [])));
  const withOverrides = await schedulesWithOverrides(db, schedules.filter((s) => ids.has(s.id)));
  return { at: next.at, step: next.stepIndex + 1, round: next.round + 1, recipients: resolveStepTargets(step, next.at, withOverrides) };
}

/** Recipients as a person reads them: `demo-admin (on call in primary), channel ops-slack, nobody on call in backup`. */
export function describeRecipients(recipients: readonly Recipient[]): string {
  return recipients
    .map((r) => (r.kind === 'user' ? `${r.user}${r.schedule ? ` (on call in ${r.schedule})` : ''}` : r.kind === 'channel' ? `channel ${r.channel}` : `nobody on call in ${r.schedule}`))
    .join(', ');
}
