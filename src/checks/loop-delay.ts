import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';

/**
 * opsbook's own event-loop delay, kept per short slice so a check run can ask how late the loop was
 * while it ran. A probe's timings are taken when the loop gets to the socket's events: when the loop
 * itself was late by more than a bound, a slow-looking answer says nothing about the target.
 *
 * A delay is only recorded when a timer fires after it, and libuv runs timers after I/O: when the
 * process got no CPU (or a callback hogged it) while an answer sat in its socket, the answer is read
 * and judged before any timer has seen the stall. So the monitor also counts the delay still going
 * on: how far its own beat is overdue at the moment a run asks.
 */
export class LoopDelayMonitor {
  private readonly histogram: IntervalHistogram;
  /** [end of slice (performance.now ms), worst delay in it (ms)], oldest first. */
  private readonly slices: Array<[number, number]> = [];
  private timer: NodeJS.Timeout | undefined;
  private users = 0;
  private lastBeat = performance.now();
  private sliceStart = this.lastBeat;
  /** Worst lateness of the beat in the slice not yet cut. */
  private sliceWorst = 0;
  private readonly beatMs: number;

  constructor(private readonly sliceMs = 100, private readonly keepMs = 120_000) {
    this.histogram = monitorEventLoopDelay({ resolution: 10 });
    this.beatMs = Math.min(20, sliceMs);
  }

  /** How late the loop is now (ms): how far the beat is overdue, 0 when on time or unmonitored. */
  lateNow(now = performance.now()): number {
    return this.users === 0 ? 0 : Math.max(0, now - this.lastBeat - this.beatMs);
  }

  /** The worst loop delay (ms) seen from `since` (performance.now ms) until now, the one still going on included. */
  worstSince(since: number): number {
    let worst = Math.max(this.lateNow(), this.sliceWorst, this.histogram.count > 0 ? this.histogram.max / 1e6 : 0);
    for (let i = this.slices.length - 1; i >= 0; i--) {
      const [end, max] = this.slices[i]!;
      if (end < since) break;
      if (max > worst) worst = max;
    }
    return worst;
  }

  /** Counts a user; the histogram and the beat run while there is one. */
  acquire(): void {
    if (this.users++ > 0) return;
    this.histogram.enable();
    this.lastBeat = this.sliceStart = performance.now();
    this.sliceWorst = 0;
    this.timer = setInterval(() => this.beat(), this.beatMs);
    this.timer.unref();
  }

  release(): void {
    if (--this.users > 0) return;
    this.histogram.disable();
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private beat(): void {
    const now = performance.now();
    // The beat's own lateness counts too: it also sees a block the histogram has not sampled yet.
    const late = now - this.lastBeat - this.beatMs;
    this.lastBeat = now;
    if (late > this.sliceWorst) this.sliceWorst = late;
    if (now - this.sliceStart < this.sliceMs) return;
    this.slices.push([now, Math.max(this.sliceWorst, this.histogram.count > 0 ? this.histogram.max / 1e6 : 0)]);
    this.histogram.reset();
    this.sliceStart = now;
    this.sliceWorst = 0;
    while (this.slices.length > 0 && this.slices[0]![0] < now - this.keepMs) this.slices.shift();
  }
}

let shared: LoopDelayMonitor | undefined;

/** The process's monitor (one histogram however many runners). */
export function loopDelayMonitor(): LoopDelayMonitor {
  shared ??= new LoopDelayMonitor();
  return shared;
}
