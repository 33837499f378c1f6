/**
 * A daemon evaluating Prometheus rule files over series held in memory, on a simulated clock, for
 * the rule_files tests.
 */
import { afterAll, beforeAll } from 'vitest';
import { scaled } from './timing.js';
import { SimulatedClock } from '../../src/lib/clock.js';
import { MemorySeriesSource } from '../../src/promql/index.js';
import { startDaemonApp, type DaemonApp } from './daemon-app.js';
import { minuteNow } from './simulated-daemon.js';

const MINUTE = 60_000;
const STEP = 15_000;

/**
 * A rule file of one group, `queues`: QueueBacklog fires once `queue_depth` stays above 100 for
 * `pendingFor`, a warning naming the queue and its depth (and its runbook, with `runbookUrl`).
 */
export function queueBacklogRules(pendingFor: string, runbookUrl?: string): string {
  return `groups:
  - name: queues
    rules:
      - alert: QueueBacklog
        expr: queue_depth > 100
        for: ${pendingFor}
        labels:
          severity: warning
        annotations:
          summary: "{{ $labels.queue }} holds {{ $value }} jobs"
${runbookUrl ? `          runbook_url: ${runbookUrl}\n` : ''}`;
}

export interface RuleFilesDaemon {
  readonly server: DaemonApp;
  readonly clock: SimulatedClock;
  /** Where the clock started: the minute the suite was set up. */
  readonly start: number;
  /** Advances the clock by `ms` in 15 s steps, letting the pipeline settle (up to 2 s) after each. */
  advance(ms: number): Promise<void>;
}

/**
 * Registers the suite's hooks: a daemon over `files` (ops.yaml, rule files, runbooks) whose series
 * are `queue_depth{queue="${queue}"}` at 500 every 15 s from 10 minutes before `start` to `minutes`
 * after it; closed after the suite's tests.
 */
export function ruleFilesDaemon(prefix: string, files: Record<string, string>, backlog: { queue: string; minutes: number }): RuleFilesDaemon {
  const start = minuteNow();
  const clock = new SimulatedClock(start);
  const series = new MemorySeriesSource();
  let server: DaemonApp | undefined;

  beforeAll(async () => {
    for (let t = start - 10 * MINUTE; t <= start + backlog.minutes * MINUTE; t += STEP) series.add({ __name__: 'queue_depth', queue: backlog.queue }, t, 500);
    server = await startDaemonApp(prefix, files, { clock, series });
  }, scaled(60_000));
  afterAll(async () => {
    await server?.close();
  });

  return {
    get server() {
      return server!;
    },
    clock,
    start,
    async advance(ms) {
      for (let t = 0; t < ms; t += STEP) {
        await clock.advance(STEP);
        await server!.daemon.operations!.settle(scaled(2_000));
      }
    },
  };
}
