import type { AlertEvent } from '../../alerts/index.js';
import type { CheckResult } from '../../checks/index.js';
import type { OpsConfig } from '../../config/index.js';
import { configuredLadder } from '../../incidents/index.js';
import type { Clock } from '../../lib/clock.js';

/** The dedup key of the one incident about opsbook's own overload. */
export const OVERLOAD_DEDUP_KEY = 'opsbook:overload';

/**
 * A check verdict withheld because opsbook's event loop was late becomes this alert instead of a
 * page about the target: every such run fires the same dedup key, so one incident stays open about
 * opsbook itself while it is overloaded (the ladder's `aboutOpsbook` rung).
 */
export function overloadAlert(result: CheckResult, config: Pick<OpsConfig, 'severities'>, at: number): AlertEvent {
  return {
    kind: 'firing',
    ruleId: 'opsbook:overload',
    dedupKey: OVERLOAD_DEDUP_KEY,
    labels: { service: 'opsbook', alertname: 'OpsbookOverloaded' },
    annotations: {
      summary: 'opsbook is overloaded: check verdicts that depend on timing are withheld',
      description: `Its event loop was ${result.loopDelayMs ?? '?'} ms late during a run of ${result.checkId}; such runs are recorded unknown and page nobody. Give opsbook more CPU or fewer checks.`,
    },
    severity: overloadSeverity(config),
    at,
  };
}

function overloadSeverity(config: Pick<OpsConfig, 'severities'>): string {
  return configuredLadder(config.severities).aboutOpsbook;
}

/** How long opsbook's event loop must stay under the bound before the overload incident resolves. */
export const OVERLOAD_QUIET_MS = 5 * 60_000;

/** How often the loop's lateness is read while the overload incident is open. */
export const OVERLOAD_SAMPLE_MS = 10_000;

/** The worst event-loop delay (ms) since a `performance.now()` instant (`LoopDelayMonitor`). */
export interface LoopLateness {
  worstSince(since: number): number;
  acquire?(): void;
  release?(): void;
}

/** The alert that resolves the overload incident. */
export function overloadResolved(config: Pick<OpsConfig, 'severities'>, at: number, quietMs: number): AlertEvent {
  return {
    kind: 'resolved',
    ruleId: 'opsbook:overload',
    dedupKey: OVERLOAD_DEDUP_KEY,
    labels: { service: 'opsbook', alertname: 'OpsbookOverloaded' },
    annotations: { summary: `opsbook's event loop has stayed under the bound for ${Math.round(quietMs / 60_000)} min` },
    severity: overloadSeverity(config),
    at,
  };
}

/**
 * Watches opsbook's event loop while the overload incident is open: every `sampleMs` on the clock
 * it reads the worst delay since the previous sample; once no sample has been over `boundMs` for
 * `quietMs` (counted from the last withheld verdict or late sample), `onQuiet` resolves the incident.
 */
export class OverloadWatch {
  private lastLateAt: number | undefined;
  private lastSampleAt = 0;
  private cancel: (() => void) | undefined;

  constructor(
    private readonly o: {
      clock: Clock;
      loop: LoopLateness;
      boundMs: number;
      quietMs?: number;
      sampleMs?: number;
      onQuiet: (at: number, quietMs: number) => void;
    },
  ) {}

  /** A verdict was withheld (the loop was late at `at`): the quiet period starts again. */
  late(at: number): void {
    this.lastLateAt = at;
    if (this.cancel) return;
    this.o.loop.acquire?.();
    this.lastSampleAt = performance.now();
    this.arm();
  }

  stop(): void {
    if (!this.cancel) return;
    this.cancel();
    this.cancel = undefined;
    this.o.loop.release?.();
  }

  private arm(): void {
    this.cancel = this.o.clock.at(this.o.clock.now() + (this.o.sampleMs ?? OVERLOAD_SAMPLE_MS), () => this.sample());
  }

  private sample(): void {
    const now = this.o.clock.now();
    const worst = this.o.loop.worstSince(this.lastSampleAt);
    this.lastSampleAt = performance.now();
    if (worst > this.o.boundMs) this.lastLateAt = now;
    const quietMs = this.o.quietMs ?? OVERLOAD_QUIET_MS;
    if (now - (this.lastLateAt ?? now) >= quietMs) {
      this.stop();
      this.lastLateAt = undefined;
      this.o.onQuiet(now, quietMs);
      return;
    }
    this.arm();
  }
}
