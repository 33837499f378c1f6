import type { Actor } from '../identity/index.js';
import type { Clock } from '../lib/clock.js';
import { OpsbookError } from '../lib/errors/index.js';
import { claimRunningStep, nextRunningStepEpoch, releaseRunningStep, takeOverRunningStep, type RunningStepRow, type StepClaim, type Store } from '../store/index.js';
import type { ExecutionLogger } from './audit.js';
import type { InProcessExecutions } from './in-process.js';
import { runnerGone } from './interrupted.js';

export interface RunningStepDeps {
  store: Store;
  clock: Clock;
  logger?: ExecutionLogger | undefined;
  inProcess: InProcessExecutions;
  /** How long the runner's heartbeat lasts without renewal on PostgreSQL outside a cluster (storage.cluster.lease). */
  ttlMs: number;
  /** Marks interrupted the steps of processes that are gone: a gone runner's step is taken over after it. */
  markInterrupted: () => Promise<unknown>;
}

function refusal(id: string, step: number, by: string): OpsbookError {
  return new OpsbookError('OPSBOOK_E_EXECUTION_STATE', `step ${step} of execution ${id} is running (started by ${by}): wait for its result, or cancel the execution`, { details: { execution: id, step, startedBy: by } });
}

/** A step asked for while opsbook stops: it is not started (OPSBOOK_E_STOPPING). */
function stoppingRefusal(id: string, step: number, why: string): OpsbookError {
  return new OpsbookError('OPSBOOK_E_STOPPING', `step ${step} of execution ${id} not run: ${why}, and a stopping opsbook starts no step; run it once opsbook serves again`, { details: { execution: id, step } });
}

/**
 * Runs `run` as the only run of step `step` of execution `id` across every opsbook process sharing
 * the store: a second press while it runs, here or in another process, is refused with
 * OPSBOOK_E_EXECUTION_STATE naming who runs it. The step is taken in `running_steps` (one
 * conditional insert) after this process is marked alive, and given back when it ends, so a finished
 * step can be run again; a step held by a process that is gone is taken over once its entries are
 * marked interrupted. Each take has a new fencing epoch; `run` gets the claim (runner and epoch),
 * which every write of the step's run is checked against (a process paused past its heartbeat
 * whose step was taken over cannot write when it wakes).
 */
export async function runOnce<T>(deps: RunningStepDeps, id: string, step: number, actor: Actor, run: (claim: StepClaim) => Promise<T>): Promise<T> {
  const key = `${id}#${step}`;
  // Checked and taken before the first await, so two presses in this process cannot both pass.
  const here = deps.inProcess.runningSteps.get(key);
  if (here !== undefined) throw refusal(id, step, here);
  if (deps.inProcess.stopping !== undefined) throw stoppingRefusal(id, step, deps.inProcess.stopping);
  deps.inProcess.runningSteps.set(key, actor.name);
  try {
    const release = await deps.inProcess.holdRunner(deps.store, { ttlMs: deps.ttlMs, logger: deps.logger });
    try {
      const mine: RunningStepRow = { execution_id: id, step, runner: deps.inProcess.runner, actor: actor.name, started_at: deps.clock.now(), epoch: await nextRunningStepEpoch(deps.store.db) };
      await takeStep(deps, mine);
      const claim: StepClaim = { execution_id: id, step, runner: mine.runner, epoch: mine.epoch };
      deps.inProcess.claims.set(key, claim);
      try {
        return await run(claim);
      } finally {
        deps.inProcess.claims.delete(key);
        // Only this take's row goes. When this fails the row stays: this process takes it over at the
        // next press (nothing runs it here), another once this process is gone.
        await releaseRunningStep(deps.store.db, claim).catch((err: unknown) => deps.logger?.warn?.({ err, execution: id, step }, 'could not record that the step ended'));
      }
    } finally {
      await release();
    }
  } finally {
    deps.inProcess.runningSteps.delete(key);
  }
}

async function takeStep(deps: RunningStepDeps, mine: RunningStepRow): Promise<void> {
  let held: RunningStepRow | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    held = await claimRunningStep(deps.store.db, mine);
    if (!held) return;
    // This runner's own row while no press of the step runs here is one whose release failed: taken over.
    if (held.runner !== mine.runner) {
      if (!(await runnerGone(deps.store, held.runner))) throw refusal(mine.execution_id, mine.step, held.actor);
      // The transcript says the gone process's command was interrupted before the step runs again.
      await deps.markInterrupted();
    }
    if (await takeOverRunningStep(deps.store.db, mine, held)) return;
  }
  throw refusal(mine.execution_id, mine.step, held?.actor ?? 'another process');
}
