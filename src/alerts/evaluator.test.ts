import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../lib/clock.js';
import { RuleEvaluator } from './evaluator.js';
import { buildRules } from './rules.js';
import { MINUTE, result, rulesFromConfig } from './test-support.js';
import type { CheckInfo } from './types.js';

const T0 = Date.UTC(2026, 2, 2, 10, 0);
const QUEUE: CheckInfo = { id: 'queue', name: 'Celery queue', service: 'api', labels: { team: 'payments' } };

function evaluator(rulesYaml: unknown[], checks: CheckInfo[] = [QUEUE], clock = new SimulatedClock(T0)) {
  const rules = buildRules(checks, rulesFromConfig(rulesYaml));
  return { ev: new RuleEvaluator(rules, clock, new Map(checks.map((c) => [c.id, c]))), clock };
}

describe('explicit rules: for: and keep_firing_for', () => {
  const depth = { id: 'queue-depth', check: 'queue', condition: 'value > 1000', for: '5m', keep_firing_for: '2m', severity: 'P2' };

  it('goes pending, fires once the condition held for 5m, keeps firing 2m, then resolves', () => {
    const { ev } = evaluator([depth]);
    expect(ev.onCheckResult(result('queue', T0, 'ok', 1500))).toEqual([]);
    expect(ev.states().find((s) => s.ruleId === 'queue-depth')?.state).toBe('pending');
    expect(ev.onCheckResult(result('queue', T0 + 4 * MINUTE, 'ok', 1600))).toEqual([]);
    const fired = ev.onCheckResult(result('queue', T0 + 5 * MINUTE, 'ok', 1700));
    expect(fired).toHaveLength(1);
    expect(fired[0]).toMatchObject({ kind: 'firing', ruleId: 'queue-depth', severity: 'P2', at: T0 + 5 * MINUTE, value: 1700 });
    expect(fired[0]!.dedupKey).toBe('queue-depth{check="queue",service="api",team="payments"}');
    // The condition stops holding: still firing for keep_firing_for.
    expect(ev.onCheckResult(result('queue', T0 + 6 * MINUTE, 'ok', 10))).toEqual([]);
    expect(ev.onCheckResult(result('queue', T0 + 7 * MINUTE, 'ok', 10))).toEqual([]);
    const resolved = ev.onCheckResult(result('queue', T0 + 8 * MINUTE, 'ok', 10));
    expect(resolved).toMatchObject([{ kind: 'resolved', at: T0 + 8 * MINUTE, severity: 'P2' }]);
  });

  it('keeps firing when the condition returns inside keep_firing_for', () => {
    const { ev } = evaluator([{ ...depth, for: '0' }]);
    expect(ev.onCheckResult(result('queue', T0, 'ok', 2000))).toHaveLength(1);
    expect(ev.onCheckResult(result('queue', T0 + MINUTE, 'ok', 5))).toEqual([]);
    expect(ev.onCheckResult(result('queue', T0 + 2 * MINUTE, 'ok', 2000))).toEqual([]);
    expect(ev.onCheckResult(result('queue', T0 + 3 * MINUTE, 'ok', 5))).toEqual([]);
    expect(ev.onCheckResult(result('queue', T0 + 4 * MINUTE, 'ok', 5))).toEqual([]);
    expect(ev.onCheckResult(result('queue', T0 + 5 * MINUTE, 'ok', 5))).toMatchObject([{ kind: 'resolved', at: T0 + 5 * MINUTE }]);
  });

  it('fires from the timer alone when no result arrives at the for: deadline', async () => {
    const { ev, clock } = evaluator([depth]);
    ev.onCheckResult(result('queue', T0, 'ok', 1500));
    expect(ev.nextDueAt()).toBe(T0 + 5 * MINUTE);
    await clock.advance(5 * MINUTE);
    expect(ev.tick()).toMatchObject([{ kind: 'firing', at: T0 + 5 * MINUTE }]);
    expect(ev.nextDueAt()).toBeUndefined();
  });

  it('never fires a flapping condition that does not hold for the whole for: (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 4 * MINUTE })), { maxLength: 40 }), (steps) => {
        const { ev } = evaluator([depth]);
        let t = T0;
        let heldSince: number | undefined;
        for (const [active, gap] of steps) {
          // Every held stretch is shorter than 5m: it breaks before reaching it.
          if (active && heldSince !== undefined && t - heldSince + gap >= 5 * MINUTE) continue;
          const events = ev.onCheckResult(result('queue', t, 'ok', active ? 2000 : 1));
          if (active) heldSince ??= t;
          else heldSince = undefined;
          expect(events).toEqual([]);
          t += gap;
        }
      }),
      { numRuns: 300 },
    );
  });

  it('gives no verdict (no change) for a result without a value', () => {
    const { ev } = evaluator([{ ...depth, for: '0' }]);
    ev.onCheckResult(result('queue', T0, 'ok', 2000));
    // The check's implicit rule fires on the critical level; the value rule neither fires nor resolves.
    expect(ev.onCheckResult(result('queue', T0 + MINUTE, 'critical')).map((e) => e.ruleId)).toEqual(['check:queue']);
    expect(ev.states().find((s) => s.ruleId === 'queue-depth')?.state).toBe('firing');
  });

  it('resumes a pending wait from saved states after a restart', () => {
    const clock = new SimulatedClock(T0);
    const rules = buildRules([QUEUE], rulesFromConfig([depth]));
    const first = new RuleEvaluator(rules, clock, new Map([['queue', QUEUE]]));
    first.onCheckResult(result('queue', T0, 'ok', 1500));
    const saved = first.takeChanged();
    const second = new RuleEvaluator(rules, clock, new Map([['queue', QUEUE]]), saved);
    expect(second.nextDueAt()).toBe(T0 + 5 * MINUTE);
    expect(second.onCheckResult(result('queue', T0 + 5 * MINUTE, 'ok', 1500))).toMatchObject([{ kind: 'firing' }]);
  });
});

describe('a stored settled state the rules never saw (a restart, a lease move)', () => {
  const rules = (yaml: unknown[]) => buildRules([QUEUE], rulesFromConfig(yaml));
  /** A new evaluator over the series another one saved after `results` (a restart, a lease move). */
  const restarted = (yaml: unknown[], results: ReturnType<typeof result>[] = []) => {
    const clock = new SimulatedClock(T0 + 10 * MINUTE);
    const first = new RuleEvaluator(rules(yaml), clock, new Map([['queue', QUEUE]]));
    for (const r of results) first.onCheckResult(r);
    return new RuleEvaluator(rules(yaml), clock, new Map([['queue', QUEUE]]), first.takeChanged());
  };

  it('fires the rules on it, at the time of the newest stored result', () => {
    const ev = restarted([{ id: 'queue-down', check: 'queue', condition: '[STATUS] == down', severity: 'P2' }], [result('queue', T0, 'ok', 1)]);
    const events = ev.onStoredState({ checkId: 'queue', at: T0 + MINUTE, status: 'down', level: 'critical' });
    expect(events.map((e) => [e.kind, e.ruleId, e.severity, e.at])).toEqual([
      ['firing', 'check:queue', 'P1', T0 + MINUTE],
      ['firing', 'queue-down', 'P2', T0 + MINUTE],
    ]);
    // Fired once: the same stored state again (a second catch-up) fires nothing more.
    expect(ev.onStoredState({ checkId: 'queue', at: T0 + MINUTE, status: 'down', level: 'critical' })).toEqual([]);
  });

  it('shows on the firing what the stored failing run observed, and when', () => {
    const ev = restarted([], [result('queue', T0, 'ok', 1)]);
    const events = ev.onStoredState({ checkId: 'queue', at: T0 + MINUTE, status: 'down', level: 'critical', observed: { at: T0 + MINUTE, text: 'failed: [BODY].depth < 1000' } });
    expect(events.map((e) => [e.kind, e.annotations.observed])).toEqual([
      ['firing', `failed: [BODY].depth < 1000 (stored run of ${new Date(T0 + MINUTE).toISOString()}, before this process took the check over)`],
    ]);
  });

  it('leaves alone a series already firing, or pending, or updated at or after the stored result', () => {
    const firing = restarted([], [result('queue', T0, 'critical')]);
    expect(firing.states().map((s) => s.state)).toEqual(['firing']);
    expect(firing.onStoredState({ checkId: 'queue', at: T0 + MINUTE, status: 'down', level: 'critical' })).toEqual([]);
    // A `for:` wait under way is not restarted by the stored state.
    const pending = restarted([{ id: 'queue-level', check: 'queue', for: '5m' }], [result('queue', T0, 'critical')]);
    expect(pending.states().map((s) => s.state)).toEqual(['pending']);
    expect(pending.onStoredState({ checkId: 'queue', at: T0 + MINUTE, status: 'down', level: 'critical' })).toEqual([]);
    expect(pending.states().map((s) => s.activeSince)).toEqual([T0]);
    // Its rule saw a result newer than the stored one (it recovered, say): the stored one is old news.
    const newer = restarted([], [result('queue', T0 + 2 * MINUTE, 'ok')]);
    expect(newer.onStoredState({ checkId: 'queue', at: T0 + MINUTE, status: 'down', level: 'critical' })).toEqual([]);
    expect(newer.states().map((s) => s.state)).toEqual(['inactive']);
  });

  it('does not evaluate a rule that reads VALUE or LATENCY, nor go toward better', () => {
    const ev = restarted([
      { id: 'queue-depth', check: 'queue', condition: 'value > 1000' },
      { id: 'queue-slow', check: 'queue', condition: '[LATENCY] > 500 || [LEVEL] == critical' },
      { id: 'queue-up', check: 'queue', condition: '[STATUS] == up' },
    ]);
    expect(ev.onStoredState({ checkId: 'queue', at: T0 + MINUTE, status: 'down', level: 'critical' }).map((e) => e.ruleId)).toEqual(['check:queue']);
    expect(ev.states().map((s) => s.ruleId)).toEqual(['check:queue']);
    // A stored warning fires the level rule with the warning severity; a status that never settled leaves a STATUS rule alone.
    const warning = restarted([{ id: 'queue-down', check: 'queue', condition: '[STATUS] == down' }]);
    expect(warning.onStoredState({ checkId: 'queue', at: T0, level: 'warning' }).map((e) => [e.ruleId, e.severity])).toEqual([['check:queue', 'P3']]);
    // A firing series is not resolved by a stored ok: a recovery is left to the check's own runs.
    const fired = restarted([], [result('queue', T0, 'critical')]);
    expect(fired.onStoredState({ checkId: 'queue', at: T0 + MINUTE, status: 'up', level: 'ok' })).toEqual([]);
    expect(fired.states().map((s) => s.state)).toEqual(['firing']);
  });
});

describe('what is saved', () => {
  it('a steady check changes nothing to save; a change of what a restart decides on does', () => {
    const { ev } = evaluator([]);
    ev.onCheckResult(result('queue', T0, 'ok', 10));
    expect(ev.takeChanged().map((s) => s.state)).toEqual(['inactive']);
    // Runs that change only the value and the time: every check's every run, nothing to write.
    for (let i = 1; i <= 5; i++) ev.onCheckResult(result('queue', T0 + i * MINUTE, 'ok', 10 + i));
    expect(ev.takeChanged()).toEqual([]);
    expect(ev.onCheckResult(result('queue', T0 + 6 * MINUTE, 'critical', 99))).toMatchObject([{ kind: 'firing' }]);
    expect(ev.takeChanged()).toMatchObject([{ state: 'firing', lastValue: 99 }]);
    ev.onCheckResult(result('queue', T0 + 7 * MINUTE, 'critical', 98));
    expect(ev.takeChanged()).toEqual([]);
    expect(ev.onCheckResult(result('queue', T0 + 8 * MINUTE, 'ok', 1))).toMatchObject([{ kind: 'resolved' }]);
    expect(ev.takeChanged()).toMatchObject([{ state: 'resolved' }]);
  });
});

describe('a change that could not be written', () => {
  it('is forgotten by revert: the same input fires again', () => {
    const { ev } = evaluator([]);
    ev.onCheckResult(result('queue', T0, 'ok', 10));
    ev.takeChanged();
    ev.settle();
    expect(ev.onCheckResult(result('queue', T0 + MINUTE, 'critical', 99))).toMatchObject([{ kind: 'firing' }]);
    ev.takeChanged();
    ev.revert();
    expect(ev.states().map((s) => s.state)).toEqual(['inactive']);
    expect(ev.onCheckResult(result('queue', T0 + 2 * MINUTE, 'critical', 99))).toMatchObject([{ kind: 'firing' }]);
  });
});

describe('implicit rules and severities', () => {
  it('fires on the check level with the default map: warning → P3, critical → P1', () => {
    const { ev } = evaluator([]);
    expect(ev.onCheckResult(result('queue', T0, 'warning', 600))).toMatchObject([
      { kind: 'firing', ruleId: 'check:queue', severity: 'P3', annotations: { summary: 'Celery queue is warning' } },
    ]);
    // Turning critical while firing fires again with the new severity (the incident is raised).
    expect(ev.onCheckResult(result('queue', T0 + MINUTE, 'critical', 1200))).toMatchObject([{ kind: 'firing', severity: 'P1' }]);
    expect(ev.onCheckResult(result('queue', T0 + 2 * MINUTE, 'critical', 1300))).toEqual([]);
    expect(ev.onCheckResult(result('queue', T0 + 3 * MINUTE, 'ok', 5))).toMatchObject([{ kind: 'resolved', severity: 'P1' }]);
  });

  it("uses the check's severity map, and a configured level rule replaces the implicit one", () => {
    const { ev } = evaluator([], [{ ...QUEUE, severity: { warning: 'P2', critical: 'P0' } }]);
    expect(ev.onCheckResult(result('queue', T0, 'critical'))).toMatchObject([{ severity: 'P0' }]);
    const replaced = evaluator([{ id: 'queue-level', check: 'queue', severity: { critical: 'P2' }, labels: { page: 'yes' } }]);
    expect(replaced.ev.onCheckResult(result('queue', T0, 'critical'))).toMatchObject([
      { ruleId: 'queue-level', severity: 'P2', labels: { page: 'yes', service: 'api' } },
    ]);
  });

  it('says what the failing run observed against its condition (the status received, not only the rule)', () => {
    const { ev } = evaluator([]);
    const down = { ...result('queue', T0, 'critical'), conditions: [{ list: 'conditions' as const, text: '[STATUS] < 400', ok: false, actual: '503' }] };
    expect(ev.onCheckResult(down)).toMatchObject([{ kind: 'firing', annotations: { summary: 'Celery queue is critical', observed: '[STATUS] < 400, observed 503' } }]);
    const [resolved] = ev.onCheckResult(result('queue', T0 + MINUTE, 'ok'));
    expect(resolved).toMatchObject({ kind: 'resolved' });
    expect(resolved!.annotations.observed).toBeUndefined();
  });

  it('templates annotations with the value and labels, and carries the runbook', () => {
    const { ev } = evaluator([
      {
        id: 'depth', check: 'queue', condition: 'value > 1000', runbook: 'runbooks/celery.md#queue-backlog',
        annotations: { summary: 'Queue {{ labels.service }} at {{ value }}', description: 'team {{ $labels.team }}: {{ $value }} > 1000' },
      },
    ]);
    const [e] = ev.onCheckResult(result('queue', T0, 'ok', 1234.56789));
    expect(e).toMatchObject({
      annotations: { summary: 'Queue api at 1234.568', description: 'team payments: 1234.568 > 1000' },
      runbook: 'runbooks/celery.md#queue-backlog',
      severity: 'P1',
    });
  });
});

describe('rules: config', () => {
  it('rejects a condition that does not parse and an unknown template placeholder, naming the field', () => {
    expect(() => rulesFromConfig([{ id: 'x', check: 'queue', condition: 'value > > 3' }])).toThrow(/column 9/);
    expect(() => rulesFromConfig([{ id: 'x', check: 'queue', annotations: { summary: '{{ vlaue }}' } }])).toThrow(/unknown placeholder/);
    expect(() => rulesFromConfig([{ id: 'x', check: 'queue', runbook: 'no-hash' }])).toThrow(/FILE#ID/);
  });
});
