import { describe, expect, it } from 'vitest';
import { acknowledgeEscalation, onTimer, reviseEscalation, startEscalation, type EscalationAction, type EscalationResult, type EscalationState } from './escalation.js';
import { HOUR, MINUTE, policyFromConfig } from './test-support.js';
import type { EscalationPolicy } from './types.js';

// Seed 004 (apex): the primary for every severity, the secondary for P0, the engineering lead for P0/P1;
// a timed step for P0 only (the VP after an hour open) to follow too.
const policy = policyFromConfig({
  steps: [
    { targets: [{ schedule: 'primary' }], timeout: '15m' },
    { targets: [{ schedule: 'secondary' }], timeout: '15m', severities: ['P0'] },
    { targets: [{ user: 'lead' }], timeout: '1h', severities: ['P0', 'P1'] },
    { targets: [{ user: 'vp' }], after_open: '1h', severities: ['P0'] },
  ],
});
const TARGET: Record<string, number> = { P0: 15 * MINUTE, P1: HOUR, P2: 4 * HOUR };
const incident = (severity: string) => ({ id: 'inc-1', openedAt: 0, severity, responseTargetMs: TARGET[severity]! });

/** The pages, in order (the response target recorded missed is no page: see escalation-response-missed.test.ts). */
const said = (actions: EscalationAction[]) =>
  actions.filter((a) => a.type !== 'response_missed').map((a) => (a.type === 'notify' ? `s${a.stepIndex}:${a.reason}@${a.at / MINUTE}m` : `${a.type}@${a.at / MINUTE}m`));

/** Runs an escalation to `until`, through its saved JSON as the daemon does, changing severity on the way. */
function run(p: EscalationPolicy, first: string, until: number, events: Array<[number, (s: EscalationState, at: number) => EscalationResult]> = []) {
  let r = startEscalation(p, incident(first), 0);
  const log = [...r.actions];
  const save = () => JSON.parse(JSON.stringify(r.state)) as EscalationState;
  for (const [at, change] of [...events, [until, (s: EscalationState, t: number) => onTimer(p, s, t)] as const]) {
    r = onTimer(p, save(), at);
    log.push(...r.actions);
    r = change(save(), at);
    log.push(...r.actions);
  }
  return { log: said(log), state: r.state };
}
const revise = (severity: string) => (s: EscalationState, at: number) => reviseEscalation(policy, s, incident(severity), at);

describe('an escalation follows its incident’s severity', () => {
  it('as P1 it goes from the primary to the lead and never pages the P0-only secondary (the control)', () => {
    expect(run(policy, 'P1', 3 * HOUR).log).toEqual(['s0:start@0m', 's2:timeout@15m', 'exhausted@75m']);
  });

  it('raised P1 → P0 at minute 5: the secondary at the P0 response target (15 min after opening), the lead next, the timed step at the hour', () => {
    const { log, state } = run(policy, 'P1', 3 * HOUR, [[5 * MINUTE, revise('P0')]]);
    expect(log).toEqual(['s0:start@0m', 's1:response_target@15m', 's2:timeout@30m', 's3:after_open@60m', 'exhausted@90m']);
    expect(state.severity).toBe('P0');
    expect(state.responseFiredAt).toBe(15 * MINUTE);
  });

  it('raised when the new response target has passed: the next step is paged at once', () => {
    const slow = policyFromConfig({ steps: [{ targets: [{ user: 'a' }], timeout: '30m' }, { targets: [{ user: 'b' }], timeout: '30m', severities: ['P0'] }] });
    const { log } = run(slow, 'P1', 20 * MINUTE, [[20 * MINUTE, (s, at) => reviseEscalation(slow, s, incident('P0'), at)]]);
    // Paged at the change, recorded as due when the P0 target passed (the next timeout counts from there).
    expect(log).toEqual(['s0:start@0m', 's1:response_target@15m']);
  });

  it('steps behind the current one are not revisited: raised after the lead was paged, the secondary stays skipped', () => {
    const { log } = run(policy, 'P1', 3 * HOUR, [[20 * MINUTE, revise('P0')]]);
    // The P0 target (minute 15) had passed, but the lead is the last step: it keeps its own timeout.
    expect(log).toEqual(['s0:start@0m', 's2:timeout@15m', 's3:after_open@60m', 'exhausted@75m']);
  });

  it('lowered P0 → P2 at minute 5: no later step only P0 or P1 had fires, nor the P0 timed step', () => {
    const { log, state } = run(policy, 'P0', 3 * HOUR, [[5 * MINUTE, revise('P2')]]);
    expect(log).toEqual(['s0:start@0m', 'exhausted@15m']);
    expect(state.timed).toEqual([]);
  });

  it('a response target that fired does not fire again: P0 → P1 after it moved the chain', () => {
    const { log, state } = run(policy, 'P0', 3 * HOUR, [[20 * MINUTE, revise('P1')]]);
    // The secondary (paged at the P0 target) keeps its timeout; then the lead, for P1 too; no second target at the hour.
    expect(log).toEqual(['s0:start@0m', 's1:response_target@15m', 's2:timeout@30m', 'exhausted@90m']);
    expect(state.responseDeadline).toBeNull();
  });

  it('lowering and raising again does not notify a timed step twice', () => {
    const { log } = run(policy, 'P0', 3 * HOUR, [
      [61 * MINUTE, revise('P1')],
      [62 * MINUTE, revise('P0')],
    ]);
    expect(log.filter((l) => l.startsWith('s3'))).toEqual(['s3:after_open@60m']);
  });

  it('an acknowledged escalation stays stopped when raised; only the new severity’s timed steps follow', () => {
    const { log, state } = run(policy, 'P1', 3 * HOUR, [
      [5 * MINUTE, (s, at) => ({ state: acknowledgeEscalation(s, at, 'alice'), actions: [] })],
      [10 * MINUTE, revise('P0')],
    ]);
    expect(log).toEqual(['s0:start@0m', 's3:after_open@60m']);
    expect(state.status).toBe('acknowledged');
    expect(state.stoppedBy).toBe('alice');
    expect(state.responseDeadline).toBeNull();
  });

  it('a chain that ran out goes on with the steps the new severity adds, at once', () => {
    const { log, state } = run(policy, 'P2', 3 * HOUR, [[40 * MINUTE, revise('P0')]]);
    // The P0 target (minute 15) passed long ago: the secondary paged now is the response; the lead after its timeout.
    expect(log).toEqual(['s0:start@0m', 'exhausted@15m', 's1:timeout@40m', 's2:timeout@55m', 's3:after_open@60m', 'exhausted@115m']);
    expect(state.status).toBe('exhausted');
  });

  it('an escalation no step applied to starts when the new severity has one', () => {
    const p0only = policyFromConfig({ steps: [{ targets: [{ user: 'a' }], timeout: '15m', severities: ['P0'] }] });
    const { log } = run(p0only, 'P2', HOUR, [[10 * MINUTE, (s, at) => reviseEscalation(p0only, s, incident('P0'), at)]]);
    expect(log).toEqual(['s0:start@10m', 'exhausted@25m']);
  });

  it('reads a state saved before fired timed steps were recorded', () => {
    const started = startEscalation(policy, incident('P0'), 0).state;
    const fired = onTimer(policy, onTimer(policy, started, 59 * MINUTE).state, 60 * MINUTE).state;
    const { timedFired: _, ...legacy } = fired;
    const down = reviseEscalation(policy, legacy, incident('P1'), 61 * MINUTE).state;
    const up = reviseEscalation(policy, down, incident('P0'), 62 * MINUTE);
    expect(up.actions.filter((a) => a.type === 'notify' && a.reason === 'after_open')).toEqual([]);
    expect(up.state.timed).toEqual([]);
  });

  it('leaves a resolved escalation alone', () => {
    const started = startEscalation(policy, incident('P1'), 0).state;
    const resolved = { ...started, status: 'resolved' as const, nextAt: null };
    expect(reviseEscalation(policy, resolved, incident('P0'), MINUTE)).toEqual({ state: resolved, actions: [] });
  });
});
