import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';

/**
 * opsbook's own event-loop delay, kept per short slice so a check run can ask how late the loop was
 * while it ran. A probe's timings are taken when the loop gets to the socket's events: when the loop
 * itself was late by more than a bound, a slow-looking answer says nothing about the target.
 */
export class LoopDelayMonitor {
  private readonly histogram: IntervalHistogram;
  /** [end of slice (performance.now ms), worst delay in it (ms)], oldest first. */
  private readonly slices: Array<[number, number]> = [];
  private readonly timer: NodeJS.Timeout;
  private users = 0;
  private lastCut = performance.now();

  constructor(private readonly sliceMs = 100, private readonly keepMs = 120_000) {
    this.histogram = monitorEventLoopDelay({ resolution: 10 });
    this.timer = setInterval(() => this.cut(), sliceMs);
    this.timer.unref();
  }

  /** The worst loop delay (ms) seen from `since` (performance.now ms) until now. */
  worstSince(since: number): number {
    let worst = this.histogram.count > 0 ? this.histogram.max / 1e6 : 0;
    for (let i = this.slices.length - 1; i >= 0; i--) {
      const [end, max] = this.slices[i]!;
      if (end < since) break;
      if (max > worst) worst = max;
    }
    return worst;
  }

  /** Counts a user; the histogram runs while there is one. */
  acquire(): void {
    if (this.users++ === 0) {
      this.histogram.enable();
      this.lastCut = performance.now();
    }
  }

  release(): void {
    if (--this.users === 0) this.histogram.disable();
  }

  private cut(): void {
    if (this.users === 0) return;
    const now = performance.now();
    // The slicing timer's own lateness counts too: it also sees a block the histogram has not sampled yet.
    const late = now - this.lastCut - this.sliceMs;
    this.lastCut = now;
    this.slices.push([now, Math.max(late, this.histogram.count > 0 ? this.histogram.max / 1e6 : 0)]);
    this.histogram.reset();
    while (this.slices.length > 0 && this.slices[0]![0] < now - this.keepMs) this.slices.shift();
  }
}

let shared: LoopDelayMonitor | undefined;

/** The process's monitor (one histogram however many runners). */
export function loopDelayMonitor(): LoopDelayMonitor {
  shared ??= new LoopDelayMonitor();
  return shared;
}
