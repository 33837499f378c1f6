import type { Clock } from '../lib/clock.js';
import { endRunningExecution, listExecutionEntries, listExecutionRows, releaseExecutionLocks, type Store } from '../store/index.js';
import { withAudit, type ExecutionLogger } from './audit.js';
import { storeIncidentLink, type IncidentLink } from './incident-link.js';
import { computeOutcome } from './outcome.js';
import { toEntry, toSummary } from './transcript.js';
import type { ExecutionSummary, Plan } from './types.js';

export interface CloseDeps {
  store: Store;
  clock: Clock;
  logger?: ExecutionLogger;
  incidents?: IncidentLink;
}

/**
 * Closes the executions an incident left running once it resolves: each ends passed, failed or
 * incomplete as its transcript says (a run nobody finished must not hold its lock, or read as
 * ongoing, for ever). The audit log and the incident's timeline say so. Answers those closed.
 */
export async function closeExecutionsOfIncident(deps: CloseDeps, incidentId: string, why = 'the incident resolved'): Promise<ExecutionSummary[]> {
  const running = await listExecutionRows(deps.store.db, { incidentId, state: 'running' });
  const closed: ExecutionSummary[] = [];
  const link = deps.incidents ?? storeIncidentLink(deps.store);
  for (const row of running) {
    const plan = (JSON.parse(row.plan) as { plan: Plan }).plan;
    const outcome = computeOutcome(plan, (await listExecutionEntries(deps.store.db, row.id)).map(toEntry));
    const now = deps.clock.now();
    const changed = await withAudit(deps.store, deps.logger, async (trx, audit) => {
      // Only a run still running: a person finishing it at the same moment wins.
      if (!(await endRunningExecution(trx, row.id, { state: outcome.state, finished_at: now, updated_at: now }))) return false;
      await releaseExecutionLocks(trx, row.id);
      await audit({ at: now, actor: 'system:incident', action: 'execution.finish', subject: `execution:${row.id}`, details: { state: outcome.state, reasons: outcome.reasons, why } });
      return true;
    });
    if (!changed) continue;
    await link.addToTimeline(incidentId, {
      at: now,
      actor: 'system:incident',
      text: `execution ${row.id} of ${row.procedure} closed as ${why}: ${outcome.state}${outcome.reasons.length ? ` (${outcome.reasons.join('; ')})` : ''}`,
      data: { executionId: row.id, state: outcome.state },
    });
    closed.push(toSummary({ ...row, state: outcome.state, finished_at: now }));
  }
  return closed;
}
