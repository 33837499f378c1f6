import { KILL_GRACE_MS } from './executors/shell/process.js';
import type { InProcessExecutions } from './in-process.js';
import { markStoppedSteps, type InterruptedDeps } from './interrupted.js';

/**
 * The abort reason a step's command is stopped with when opsbook stops cleanly: the run records the
 * command as `interrupted` (not `cancelled`: nobody cancelled the execution), saying why.
 */
export class OpsbookStopped {
  /** @param why `opsbook stopped (SIGTERM)` */
  constructor(readonly why: string) {}

  /** What the step's record says: `interrupted: opsbook stopped (SIGTERM) while the step ran`. */
  get reason(): string {
    return `interrupted: ${this.why} while the step ran`;
  }
}

/** The stop reason `signal` was aborted with, if opsbook's clean stop aborted it. */
export function stoppedBy(signal: AbortSignal): OpsbookStopped | undefined {
  return signal.aborted && signal.reason instanceof OpsbookStopped ? signal.reason : undefined;
}

/**
 * After the shutdown bound, how long the commands stopped then get to end and be recorded: their
 * process groups get SIGTERM, SIGKILL KILL_GRACE_MS later, the output pipes a moment more, then the
 * result's write. Past it, what still runs is marked interrupted here (markStoppedSteps).
 */
export const STOPPED_STEPS_GRACE_MS = KILL_GRACE_MS + 5_000;

export interface StopStepsOptions {
  /** Until when (epoch ms, real time) running steps may finish by themselves: `server.shutdown_timeout` from the stop. */
  deadline: number;
  /** `opsbook stopped (SIGTERM)`. */
  why: string;
}

/**
 * opsbook stops cleanly: no step starts here from now on, the steps running get until `deadline` to
 * end, then their commands are stopped (a shell step's process group: SIGTERM, then SIGKILL) and each
 * is recorded `interrupted` with the output captured and `why`, by its run under its take (fenced as
 * its other writes). A run that still has not ended STOPPED_STEPS_GRACE_MS later (a command that does
 * not end when told) has its entries marked interrupted here, fenced the same way. Resolves once
 * nothing of a step runs here, or at that bound. Returns how many runs had to be stopped.
 */
export async function stopRunningSteps(deps: InterruptedDeps, inProcess: InProcessExecutions, o: StopStepsOptions): Promise<number> {
  inProcess.stopping ??= o.why;
  if (await allEndBy(inProcess, o.deadline)) return 0;
  const stopping = inProcess.runs.size;
  const reason = new OpsbookStopped(o.why);
  deps.logger?.warn?.({ steps: [...inProcess.claims.keys()], grace_ms: STOPPED_STEPS_GRACE_MS }, 'shutdown: runbook steps still running at the shutdown bound are stopped (process group: SIGTERM, then SIGKILL) and recorded as interrupted');
  inProcess.abortAll(reason);
  if (await allEndBy(inProcess, Date.now() + STOPPED_STEPS_GRACE_MS)) return stopping;
  const text = `${reason.reason}: its command did not end when stopped; its output after the last save is lost; check the target before running it again`;
  await markStoppedSteps(deps, [...inProcess.claims.values()], text, { reason: reason.reason });
  return stopping;
}

/** True once no run is under way here, false if `deadline` passes first. */
async function allEndBy(inProcess: InProcessExecutions, deadline: number): Promise<boolean> {
  while (inProcess.runs.size > 0) {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()))));
    const ended = await Promise.race([Promise.all([...inProcess.runs]).then(() => true as const), late]);
    clearTimeout(timer);
    if (!ended) return false;
  }
  return true;
}
