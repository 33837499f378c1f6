import { OPEN_STATES, type Incident, type IncidentService } from '../../incidents/index.js';
import type { Actor } from '../../identity/index.js';
import { OpsbookError } from '../../lib/errors/index.js';
import { signalOutbox } from '../../notify/index.js';
import { escalateEscalation, firstStep, type EscalationState } from '../../oncall/index.js';
import { getEscalation } from '../../store/index.js';
import type { IncidentEffects } from './effects.js';
import type { OperationsHost } from './host.js';
import { enqueueNotice, policyFor } from './paging.js';

/** What a person's escalation needs of the pipeline. */
export interface EscalateDeps {
  host: Pick<OperationsHost, 'clock' | 'config'>;
  incidents: IncidentService;
  effects: IncidentEffects;
}

function refuse(incident: Incident, why: string): never {
  throw new OpsbookError('OPSBOOK_E_INCIDENT_TRANSITION', `incident ${incident.id} cannot be escalated: ${why}`, { details: { id: incident.id } });
}

/** An answered incident is triggered again by an escalation (its newly paged people acknowledge it): why, for its status line. */
const retrigger = (incident: Incident, why: string) => (incident.state === 'triggered' ? {} : { retrigger: why });
const retriggered = (incident: Incident) => (incident.state === 'triggered' ? {} : { retriggered: true });

const stepName = (s: { stepIndex: number; round: number }) => `step ${s.stepIndex + 1}${s.round > 0 ? ` (round ${s.round + 1})` : ''}`;

/**
 * Escalate now: the next step of the incident's escalation is paged at once, as if the current
 * step had timed out, and exactly as a timed step's page goes out (the driver writes it: the same
 * keys, outbox rows and timeline lines). The person's timeline line, the escalation's new state
 * and the page commit in one transaction, or nothing is written and the person gets the error (a
 * second try does it whole). On an incident people had answered (acknowledged, investigating,
 * mitigated) it re-triggers, as PagerDuty's escalate does: the incident is triggered again and its
 * escalation runs on from the step paged — that step's timeout, then the next step, and its
 * people's later rules (SMS now, a call 5 minutes on) — until one of them acknowledges; a person
 * pressing it asks for those people, not for one message they may miss. One that never started
 * (held back, or started before a policy existed) starts, and its line names the step its
 * severity starts at.
 */
export async function escalateNow(deps: EscalateDeps, incident: Incident, actor: Actor, note: string | undefined): Promise<void> {
  const { clock, config } = deps.host;
  const suffix = note ? `: ${note}` : '';
  await deps.incidents.recordEscalation(incident.id, actor, async (trx, current) => {
    if (!OPEN_STATES.includes(current.state)) refuse(current, `it is ${current.state}`);
    const policyId = policyFor(config, current);
    if (!policyId) refuse(current, 'no escalation policy is configured');
    // Read in the action's transaction: what the line says is what the page is.
    const row = await getEscalation(trx, current.id);
    if (!row) {
      // The step its start pages: a severity filter may skip the first ones.
      const policy = config.escalation_policies.find((p) => p.id === policyId);
      const first = policy && firstStep(policy, current.severity);
      if (!first) refuse(current, `no step of ${policyId} pages a ${current.severity} incident`);
      return {
        text: `escalated: paging ${stepName(first)} of ${policyId} now${suffix}`,
        data: { policy: policyId, stepIndex: first.stepIndex, round: first.round, ...retriggered(current) },
        page: async () => void (await deps.effects.escalateIn(trx, current, undefined)),
        ...retrigger(current, `escalated to ${stepName(first)} of ${policyId}; its escalation runs until acknowledged`),
      };
    }
    const policy = config.escalation_policies.find((p) => p.id === row.policy_id);
    if (!policy) refuse(current, `its escalation policy ${row.policy_id} is no longer configured`);
    const state = JSON.parse(row.state) as EscalationState;
    if (state.status === 'resolved') refuse(current, 'its escalation has ended');
    const { step } = escalateEscalation(policy, state, clock.now());
    if (!step) refuse(current, `${stepName(state)} is the last step of ${policy.id}`);
    return {
      text: `escalated: paging ${stepName(step)} of ${policy.id} now${suffix}`,
      data: { policy: policy.id, stepIndex: step.stepIndex, round: step.round, ...retriggered(current) },
      page: async () => void (await deps.effects.escalateIn(trx, current, state)),
      ...retrigger(current, `escalated to ${stepName(step)} of ${policy.id}; its escalation runs again until acknowledged`),
    };
  });
  signalOutbox();
}

/**
 * Add a responder: the person joins the incident as a responder (a role, on the timeline) and, while
 * it is open, is paged through every contact they have — joining is asking for help now, so their
 * notification rules' delays do not apply. The role, its line, the page's outbox rows and their
 * timeline lines commit in one transaction: a page that cannot be written gives no role, and the
 * person gets the error (a second try does it whole).
 */
export async function addResponder(deps: EscalateDeps, incident: Incident, person: string, actor: Actor): Promise<void> {
  const { clock, config } = deps.host;
  if (!config.users.some((u) => u.name === person)) {
    throw new OpsbookError('OPSBOOK_E_INCIDENT_INVALID', `${person || 'nobody'} is not one of the configured users`, { location: { path: 'person' } });
  }
  let paged = false;
  // The role's transaction is an incident write: it holds the incident writers' lock and is fenced.
  await deps.incidents.assignRole(incident.id, 'responder', person, actor, async (trx, current) => {
    if (!OPEN_STATES.includes(current.state)) return;
    const at = clock.now();
    const notice = { incidentId: current.id, policyId: 'responder', key: `${current.id}/responder/${person}/${at}`, stepIndex: 0, round: 0, reason: 'timeout' as const, at, recipients: [{ kind: 'user' as const, user: person }] };
    await deps.effects.writeNotes(trx, await enqueueNotice(trx, clock, config, current, notice, `asked to respond by ${actor.name}`));
    paged = true;
  });
  if (paged) signalOutbox();
}
