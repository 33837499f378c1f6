import { beforeEach, expect, it } from 'vitest';
import { SimulatedClock } from '../../lib/clock.js';
import { MemorySeriesSource } from '../../promql/index.js';
import { describeOnStores } from '../../../test/support/store-targets.js';
import type { AlertEvent } from '../types.js';
import { parseRuleFile, RuleFileEngine, type RuleGroupSpec } from './index.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 1, 12, 0);
const LADDER = ['P1', 'P2', 'P3', 'P4'];

const RULES = `groups:
  - name: queue
    interval: 1m
    rules:
      - alert: QueueBacklog
        expr: queue_depth > 100
        for: 5m
        labels:
          severity: warning
        annotations:
          summary: "{{ $labels.queue }} holds {{ $value }} jobs"
          runbook_url: https://runbooks.example.org/queue/
          board: "{{ $externalURL }}/queues"
      - record: queue:depth:max
        expr: max(queue_depth)
`;

function groups(text = RULES, file = 'rules/queue.yml'): RuleGroupSpec[] {
  return parseRuleFile(file, text);
}

/** queue_depth{queue="emails"} at 500 every 15 s from T0 - 10m for an hour. */
function deepQueue(): MemorySeriesSource {
  const source = new MemorySeriesSource();
  for (let t = T0 - 10 * MINUTE; t <= T0 + 50 * MINUTE; t += 15_000) source.add({ __name__: 'queue_depth', queue: 'emails' }, t, 500);
  return source;
}

/** Runs the engine's timer on the simulated clock until `until`, collecting its events. */
async function run(engine: RuleFileEngine, clock: SimulatedClock, until: number, events: AlertEvent[]): Promise<void> {
  for (;;) {
    const due = engine.nextDueAt();
    if (due === undefined || due > until) break;
    await clock.advanceTo(due);
    events.push(...(await engine.tick()));
  }
  await clock.advanceTo(until);
}

await describeOnStores('opsbook-rule-state', 'rule-file alerts with persisted for: state', { migrate: true }, (target) => {
  // Each test starts with no stored alerts: an earlier test's firing alert would be resolved as orphaned.
  beforeEach(async () => {
    await target.store.db.deleteFrom('rule_alerts').execute();
  });
  it('a rule pending for 3 of its 5 for: minutes fires 2 minutes after a restart, not 5', async () => {
    const clock = new SimulatedClock(T0);
    const source = deepQueue();
    const open = () => RuleFileEngine.open({ store: target.store, clock, source, groups: groups(), defaultInterval: MINUTE, ladder: () => LADDER, externalURL: () => 'https://ops.example.org', resolveRunbook: (link) => (link.includes('/queue/') ? 'runbooks/queue.md#RB-7' : undefined) });
    const events: AlertEvent[] = [];
    let engine = await open();
    await run(engine, clock, T0 + 3 * MINUTE, events);
    expect(events).toEqual([]);
    expect(engine.alerts().map((a) => [a.alert.state, a.alert.activeAt])).toEqual([['pending', T0]]);

    // Stop: the process goes away; the store is reopened from its file (or database) by the next one.
    await target.reopen();
    engine = await open();
    const restartedAt = clock.now();
    await run(engine, clock, T0 + 10 * MINUTE, events);
    const fired = events.filter((e) => e.kind === 'firing');
    expect(fired).toHaveLength(1);
    expect(fired[0]!.at - restartedAt).toBe(2 * MINUTE);
    expect(fired[0]).toMatchObject({
      ruleId: 'rule_files:QueueBacklog',
      severity: 'P3',
      runbook: 'runbooks/queue.md#RB-7',
      labels: { alertname: 'QueueBacklog', queue: 'emails', severity: 'warning' },
      annotations: { summary: 'emails holds 500 jobs', board: 'https://ops.example.org/queues' },
    });
    // The recording rule wrote back into the source it read.
    expect([...source.select([{ type: '=', name: '__name__', value: 'queue:depth:max' }], T0, T0 + 10 * MINUTE)]).toHaveLength(1);
  });

  it('resolves a firing alert when the condition stops holding, and keeps state across a reload of unchanged rules', async () => {
    const clock = new SimulatedClock(T0 + 100 * MINUTE);
    const source = new MemorySeriesSource();
    const start = clock.now();
    for (let t = start - 10 * MINUTE; t <= start + 12 * MINUTE; t += 15_000) source.add({ __name__: 'queue_depth', queue: 'sms' }, t, 500);
    const engine = await RuleFileEngine.open({ store: target.store, clock, source, groups: groups(RULES, 'b.yml'), defaultInterval: MINUTE, ladder: () => LADDER });
    const events: AlertEvent[] = [];
    await run(engine, clock, start + 3 * MINUTE, events);
    // The annotation changes, the rule does not: its pending alert keeps its activeAt.
    expect(await engine.reload(groups(RULES.replace('jobs"', 'jobs waiting"'), 'b.yml'), MINUTE)).toEqual([]);
    await run(engine, clock, start + 5 * MINUTE, events);
    expect(events.map((e) => [e.kind, e.at - start])).toEqual([['firing', 5 * MINUTE]]);
    expect(events[0]!.runbook).toBe('https://runbooks.example.org/queue/');
    await run(engine, clock, start + 20 * MINUTE, events);
    // Samples end at +12m; the 5m lookback (open at its start) stops seeing them at +17m.
    expect(events.map((e) => [e.kind, e.at - start])).toEqual([['firing', 5 * MINUTE], ['resolved', 17 * MINUTE]]);
  });

  it('takes the severity and runbook rule_files.alerts states for an alert name in place of its label and annotation', async () => {
    const clock = new SimulatedClock(T0 + 400 * MINUTE);
    const source = new MemorySeriesSource();
    const start = clock.now();
    for (let t = start - 10 * MINUTE; t <= start + 12 * MINUTE; t += 15_000) source.add({ __name__: 'queue_depth', queue: 'mms' }, t, 500);
    // Read at each event: the reload of the config in the middle of the alert's life is what its resolution carries.
    let settings: Record<string, { severity?: string; runbook?: string }> = { QueueBacklog: { severity: 'P2', runbook: 'runbooks/queue.md#RB-9' } };
    const engine = await RuleFileEngine.open({
      store: target.store, clock, source, groups: groups(RULES, 'e.yml'), defaultInterval: MINUTE, ladder: () => LADDER, settings: () => settings,
      resolveRunbook: (link) => (link.includes('/queue/') ? 'runbooks/queue.md#RB-7' : link === 'runbooks/queue.md#RB-9' ? 'runbooks/queue.md#backlog' : undefined),
    });
    const events: AlertEvent[] = [];
    await run(engine, clock, start + 6 * MINUTE, events);
    expect(events.map((e) => [e.kind, e.severity, e.runbook, e.labels.severity])).toEqual([['firing', 'P2', 'runbooks/queue.md#backlog', 'warning']]);
    // Only the settings stated: without a runbook, the annotation's link; another alert name changes nothing.
    settings = { QueueBacklog: { severity: 'P4' }, Other: { severity: 'P1', runbook: 'x.md#y' } };
    await run(engine, clock, start + 20 * MINUTE, events);
    expect(events.map((e) => [e.kind, e.severity, e.runbook])).toEqual([
      ['firing', 'P2', 'runbooks/queue.md#backlog'],
      ['resolved', 'P4', 'runbooks/queue.md#RB-7'],
    ]);
  });

  it('a changed expression starts afresh, and resolves what the old rule had firing', async () => {
    const clock = new SimulatedClock(T0 + 200 * MINUTE);
    const source = new MemorySeriesSource();
    const start = clock.now();
    for (let t = start - 10 * MINUTE; t <= start + 12 * MINUTE; t += 15_000) source.add({ __name__: 'queue_depth', queue: 'push' }, t, 500);
    const engine = await RuleFileEngine.open({ store: target.store, clock, source, groups: groups(RULES, 'c.yml'), defaultInterval: MINUTE, ladder: () => LADDER });
    const events: AlertEvent[] = [];
    await run(engine, clock, start + 6 * MINUTE, events);
    expect(events.map((e) => e.kind)).toEqual(['firing']);
    const resolved = await engine.reload(groups(RULES.replace('queue_depth > 100', 'queue_depth > 50'), 'c.yml'), MINUTE);
    expect(resolved.map((e) => [e.kind, e.dedupKey])).toEqual([['resolved', events[0]!.dedupKey]]);
    expect(engine.alerts()).toEqual([]);
  });

  it('resolves, at the first evaluation after a restart, an alert stored as firing whose rule was removed meanwhile', async () => {
    const clock = new SimulatedClock(T0 + 300 * MINUTE);
    const source = new MemorySeriesSource();
    const start = clock.now();
    for (let t = start - 10 * MINUTE; t <= start + 12 * MINUTE; t += 15_000) source.add({ __name__: 'queue_depth', queue: 'fax' }, t, 500);
    const events: AlertEvent[] = [];
    const first = await RuleFileEngine.open({ store: target.store, clock, source, groups: groups(RULES, 'd.yml'), defaultInterval: MINUTE, ladder: () => LADDER });
    await run(first, clock, start + 6 * MINUTE, events);
    expect(events.map((e) => e.kind)).toEqual(['firing']);
    await target.reopen();
    const other = 'groups:\n  - name: queue\n    rules:\n      - record: x\n        expr: vector(1)\n';
    const second = await RuleFileEngine.open({ store: target.store, clock, source, groups: groups(other, 'd.yml'), defaultInterval: MINUTE, ladder: () => LADDER });
    await run(second, clock, start + 7 * MINUTE, events);
    expect(events.map((e) => [e.kind, e.dedupKey])).toEqual([['firing', events[0]!.dedupKey], ['resolved', events[0]!.dedupKey]]);
  });
});
