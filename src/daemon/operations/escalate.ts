import { OPEN_STATES, type Incident, type IncidentService } from '../../incidents/index.js';
import type { Actor } from '../../identity/index.js';
import { OpsbookError } from '../../lib/errors/index.js';
import { signalOutbox } from '../../notify/index.js';
import { acknowledgeEscalation, onTimer, type EscalationDriver, type EscalationState } from '../../oncall/index.js';
import { getEscalation, saveEscalation } from '../../store/index.js';
import type { IncidentEffects } from './effects.js';
import type { OperationsHost } from './host.js';
import { enqueueNotice, policyFor } from './paging.js';

/** What a person's escalation needs of the pipeline. */
export interface EscalateDeps {
  host: Pick<OperationsHost, 'store' | 'clock' | 'config'>;
  incidents: IncidentService;
  escalations: EscalationDriver;
  effects: IncidentEffects;
}

function refuse(incident: Incident, why: string): never {
  throw new OpsbookError('OPSBOOK_E_INCIDENT_TRANSITION', `incident ${incident.id} cannot be escalated: ${why}`, { details: { id: incident.id } });
}

const stepName = (s: { stepIndex: number; round: number }) => `step ${s.stepIndex + 1}${s.round > 0 ? ` (round ${s.round + 1})` : ''}`;

/**
 * Escalate now: the next step of the incident's escalation is paged at once, as if the current
 * step had timed out. The escalation's own timer is made due now and the driver runs it, so the
 * page goes out exactly as a timed step's would (outbox rows and the step's record in one
 * transaction). An escalation that people had stopped by acknowledging stays stopped after the
 * extra page; one that never started (held back, or started before a policy existed) starts.
 */
export async function escalateNow(deps: EscalateDeps, incident: Incident, actor: Actor, note: string | undefined): Promise<void> {
  const { store, clock, config } = deps.host;
  if (!OPEN_STATES.includes(incident.state)) refuse(incident, `it is ${incident.state}`);
  const policyId = policyFor(config, incident);
  if (!policyId) refuse(incident, 'no escalation policy is configured');
  const row = await getEscalation(store.db, incident.id);
  const suffix = note ? `: ${note}` : '';
  if (!row) {
    await deps.incidents.recordEscalation(incident.id, actor, `escalated: paging step 1 of ${policyId} now${suffix}`, { policy: policyId, stepIndex: 0, round: 0 });
    await deps.effects.apply({ kind: 'start_escalation', incidentId: incident.id, severity: incident.severity, openedAt: incident.openedAt, ...(incident.responseDueAt !== undefined ? { responseDueAt: incident.responseDueAt } : {}) }, incident);
    return;
  }
  const policy = config.escalation_policies.find((p) => p.id === row.policy_id);
  if (!policy) refuse(incident, `its escalation policy ${row.policy_id} is no longer configured`);
  const state = JSON.parse(row.state) as EscalationState;
  if (state.status === 'resolved') refuse(incident, 'its escalation has ended');
  const now = clock.now();
  // The current step's timeout made due now; what the driver will do with it is worked out first.
  const forced: EscalationState = {
    ...state,
    status: 'active',
    stepDeadline: now,
    responseDeadline: state.status === 'active' ? state.responseDeadline : null,
    nextAt: Math.min(state.nextAt ?? now, now),
  };
  const next = onTimer(policy, forced, now).actions.find((a) => a.type === 'notify' && a.at === now && a.reason !== 'after_open');
  if (!next || next.type !== 'notify') refuse(incident, `${stepName(state)} is the last step of ${policy.id}`);
  await deps.incidents.recordEscalation(incident.id, actor, `escalated: paging ${stepName(next)} of ${policy.id} now${suffix}`, { policy: policy.id, stepIndex: next.stepIndex, round: next.round });
  await saveEscalation(store.db, { incident_id: incident.id, policy_id: policy.id, status: 'active', next_at: forced.nextAt, state: JSON.stringify(forced), updated_at: now });
  await deps.escalations.tick();
  if (state.status === 'active') return;
  // Acknowledged (or exhausted) before: the extra page goes out, the chain does not restart.
  const after = await getEscalation(store.db, incident.id);
  if (!after) return;
  const stopped = { ...acknowledgeEscalation(JSON.parse(after.state) as EscalationState, now), status: state.status, stoppedAt: state.stoppedAt, stoppedBy: state.stoppedBy };
  await saveEscalation(store.db, { ...after, status: stopped.status, next_at: stopped.nextAt, state: JSON.stringify(stopped), updated_at: clock.now() });
}

/**
 * Add a responder: the person joins the incident as a responder (a role, on the timeline) and, while
 * it is open, is paged through every contact they have — joining is asking for help now, so their
 * notification rules' delays do not apply.
 */
export async function addResponder(deps: EscalateDeps, incident: Incident, person: string, actor: Actor): Promise<void> {
  const { store, clock, config } = deps.host;
  if (!config.users.some((u) => u.name === person)) {
    throw new OpsbookError('OPSBOOK_E_INCIDENT_INVALID', `${person || 'nobody'} is not one of the configured users`, { location: { path: 'person' } });
  }
  await deps.incidents.assignRole(incident.id, 'responder', person, actor);
  if (!OPEN_STATES.includes(incident.state)) return;
  const at = clock.now();
  const notice = { incidentId: incident.id, policyId: 'responder', key: `${incident.id}/responder/${person}/${at}`, stepIndex: 0, round: 0, reason: 'timeout' as const, at, recipients: [{ kind: 'user' as const, user: person }] };
  // The page's timeline lines commit with its outbox rows.
  await store.db.transaction().execute(async (trx) => {
    await deps.effects.lockIncidentWrites(trx);
    await deps.effects.writeNotes(trx, await enqueueNotice(trx, clock, config, incident, notice, `asked to respond by ${actor.name}`));
  });
  signalOutbox();
}
