import { performance } from 'node:perf_hooks';
import { formatDuration } from '../lib/duration.js';
import type { Clock } from '../lib/clock.js';
import { deadlinesOf } from '../lib/deadlines.js';
import type { CompiledCheck } from './compile.js';
import { evaluateCheck } from './evaluate-check.js';
import type { LoopDelayMonitor } from './loop-delay.js';
import { withholdUnderOverload } from './overload.js';
import type { CheckContext, CheckResult, HeartbeatReader, Observation } from './types.js';
import type { SampleStore } from '../samples/index.js';

export interface RunOnceOptions {
  clock: Clock;
  /** Per-check state kept between runs (counter rates); a fresh object when omitted. */
  state?: Record<string, unknown>;
  heartbeats?: HeartbeatReader;
  samples?: SampleStore;
  /** Stops the run early (runner shutdown). The check's own timeout is added to it. */
  signal?: AbortSignal;
  /**
   * The run's own controller (instead of `signal`): the timeout aborts it too, so a caller telling a
   * stop from a timeout reads its signal's reason.
   */
  abort?: AbortController;
  /** Instant the run counts as started (its planned time); default now. */
  at?: number;
  /**
   * opsbook's own event-loop delay: a run during which the loop was later than `boundMs` has a
   * verdict that depends only on time withheld (`unknown`) instead of reported `down`.
   */
  loopDelay?: { monitor: LoopDelayMonitor; boundMs: number };
}

/** Lets go of what the check's kind keeps open in `state` (see CheckKind.release). */
export function releaseCheckState(check: CompiledCheck, state: Record<string, unknown>): void {
  check.impl.release?.(state);
}

/**
 * Runs one check once: the kind probes under an AbortSignal that fires at the check's timeout,
 * then the conditions are evaluated. A kind that ignores the signal still yields a timeout result
 * at the deadline; its late answer is dropped.
 */
export async function runCheckOnce(check: CompiledCheck, opts: RunOnceOptions): Promise<CheckResult> {
  const { clock } = opts;
  const at = opts.at ?? clock.now();
  // The caller's controller is the run's own (the scheduler makes one per run): the timeout aborts it
  // directly, rather than through a second controller listening on the caller's signal.
  const controller = opts.abort ?? new AbortController();
  const outer = opts.abort ? undefined : opts.signal;
  const onOuterAbort = (): void => controller.abort(outer?.reason);
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  let timedOut = false;
  let onTimeout: ((o: Observation) => void) | undefined;
  // The run's deadline is its only timeout mechanism: it aborts the probe and, for a kind that ignores
  // the signal, settles the run at the deadline anyway. Deadlines share one timer per clock.
  const cancelTimer = deadlinesOf(clock).after(check.timeoutMs, () => {
    timedOut = true;
    controller.abort(new Error('timeout'));
    onTimeout?.({ values: {}, error: `timeout after ${formatDuration(check.timeoutMs)}` });
  });
  const started = performance.now();
  const state = opts.state ?? {};
  let observation: Observation;
  try {
    const ctx: CheckContext = { signal: controller.signal, clock, timeoutMs: check.timeoutMs, checkId: check.id, state };
    if (check.reads) ctx.reads = check.reads;
    if (opts.heartbeats) ctx.heartbeats = opts.heartbeats;
    if (opts.samples) ctx.samples = opts.samples;
    const probe = check.impl
      .run(check.config, ctx)
      .catch((e: unknown): Observation => ({ values: {}, error: (e as Error)?.message ?? String(e) }));
    observation = await new Promise<Observation>((resolve) => {
      onTimeout = resolve;
      void probe.then(resolve);
    });
  } finally {
    cancelTimer();
    outer?.removeEventListener('abort', onOuterAbort);
    if (!opts.state) releaseCheckState(check, state);
  }
  if (timedOut && !observation.error?.startsWith('timeout')) {
    observation = { values: observation.values, error: `timeout after ${formatDuration(check.timeoutMs)}` };
  }
  const result = evaluateCheck(check, observation, { at, latencyMs: performance.now() - started });
  if (!opts.loopDelay || result.status !== 'down') return result;
  return withholdUnderOverload(result, opts.loopDelay.monitor.worstSince(started), opts.loopDelay.boundMs);
}
