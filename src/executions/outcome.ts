import type { ExecutionOutcome, Plan, TranscriptEntry } from './types.js';

export interface StepProgress {
  done: boolean;
  failed: boolean;
  /** Its latest run was interrupted (opsbook stopped while it ran) and it is not done since. */
  interrupted?: boolean;
  /** When the step was done (its last successful command finished, or it was ticked). */
  doneAt?: number;
}

/** Where each step stands, from the transcript: the latest entry of each command counts; a tick marks a step done by hand. */
export function stepProgress(plan: Plan, entries: readonly TranscriptEntry[]): Map<number, StepProgress> {
  const latest = new Map<string, TranscriptEntry>();
  const ticked = new Map<number, number>();
  for (const e of entries) {
    if (e.kind === 'tick') ticked.set(e.step, e.at);
    if (e.kind === 'command') latest.set(`${e.step}.${e.command}`, e);
  }
  const out = new Map<number, StepProgress>();
  for (const step of plan.steps) {
    const tick = ticked.get(step.number);
    if (tick !== undefined) {
      out.set(step.number, { done: true, failed: false, doneAt: tick });
      continue;
    }
    const runnable = step.commands.filter((c) => c.runnable && !c.skip);
    const results = runnable.map((c) => latest.get(`${step.number}.${c.number}`));
    const failed = results.some((r) => r && (r.status === 'failed' || r.status === 'timeout'));
    const done = !step.manual && runnable.length > 0 && results.every((r) => r?.status === 'ok');
    const doneAt = done ? Math.max(...results.map((r) => r!.at + (r!.durationMs ?? 0))) : undefined;
    const interrupted = !done && results.some((r) => r?.status === 'interrupted');
    out.set(step.number, { done, failed, ...(interrupted ? { interrupted } : {}), ...(doneAt !== undefined ? { doneAt } : {}) });
  }
  return out;
}

/**
 * How an execution ends: failed when a command failed or timed out (and nobody ticked the step
 * as done by hand); incomplete when a required item is unticked or a runnable command never ran;
 * otherwise passed. Commands that cannot run here and optional manual steps do not hold it back.
 */
export function computeOutcome(plan: Plan, entries: readonly TranscriptEntry[]): ExecutionOutcome {
  const progress = stepProgress(plan, entries);
  const reasons: string[] = [];
  let failed = false;
  for (const step of plan.steps) {
    const p = progress.get(step.number)!;
    if (p.failed) {
      failed = true;
      reasons.push(`step ${step.number} failed: ${step.text || step.commands[0]?.text || ''}`.trim());
    } else if (step.required && !p.done) reasons.push(`required step ${step.number} is not ticked: ${step.text}`);
    else if (p.interrupted) reasons.push(`step ${step.number} was interrupted: opsbook stopped while it ran`);
    else if (!step.manual && !p.done && step.commands.some((c) => c.runnable && !c.skip)) reasons.push(`step ${step.number} did not run`);
  }
  if (failed) return { state: 'failed', reasons };
  return { state: reasons.length > 0 ? 'incomplete' : 'passed', reasons };
}

/**
 * The recovery time a run achieved: from its start to the moment its verification steps were
 * all done (a procedure without a verification phase: to the end of a run that passed).
 */
export function recoveryTime(plan: Plan, entries: readonly TranscriptEntry[], startedAt: number, finishedAt: number, passed: boolean): number | undefined {
  const progress = stepProgress(plan, entries);
  const verification = plan.steps.filter((s) => s.phase === 'verification');
  if (verification.length === 0) return passed ? finishedAt - startedAt : undefined;
  const done = verification.map((s) => progress.get(s.number)!);
  if (!done.every((p) => p.done)) return undefined;
  return Math.max(...done.map((p) => p.doneAt ?? finishedAt)) - startedAt;
}
