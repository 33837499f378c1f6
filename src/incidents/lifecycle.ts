import { OpsbookError } from '../lib/errors/index.js';
import type { IncidentState } from './types.js';

/**
 * The moves a person may make. Work moves forward (a step may be skipped: a quick fix goes from
 * triggered straight to resolved); the one move back is mitigated → investigating, when a
 * mitigation does not hold. A resolved incident is re-opened only by its alert recurring.
 */
export const ALLOWED_TRANSITIONS: Readonly<Record<IncidentState, readonly IncidentState[]>> = {
  triggered: ['acknowledged', 'investigating', 'mitigated', 'resolved'],
  acknowledged: ['investigating', 'mitigated', 'resolved'],
  investigating: ['mitigated', 'resolved'],
  mitigated: ['investigating', 'resolved'],
  resolved: ['reviewed'],
  reviewed: [],
};

export function canTransition(from: IncidentState, to: IncidentState): boolean {
  return ALLOWED_TRANSITIONS[from].includes(to);
}

/** Throws OPSBOOK_E_INCIDENT_TRANSITION naming the moves that are allowed from `from`. */
export function assertTransition(incidentId: string, from: IncidentState, to: IncidentState): void {
  if (canTransition(from, to)) return;
  const allowed = ALLOWED_TRANSITIONS[from];
  throw new OpsbookError(
    'OPSBOOK_E_INCIDENT_TRANSITION',
    `incident ${incidentId} is ${from} and cannot become ${to} (from ${from}: ${allowed.length ? allowed.join(', ') : 'no further state'})`,
    { details: { incidentId, from, to, allowed } },
  );
}
