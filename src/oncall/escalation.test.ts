import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../lib/clock.js';
import { acknowledgeEscalation, escalateEscalation, firstStep, nextChainStep, onTimer, resolveEscalation, startEscalation, type EscalationAction, type EscalationState } from './escalation.js';
import { resolveStepTargets } from './targets.js';
import { HOUR, MINUTE, at, policyFromConfig, scheduleFromConfig } from './test-support.js';
import type { EscalationPolicy } from './types.js';

// Seed 000: L1 on-call engineer 15 min, L2 backend team lead 1 hour, L3 CTO 4 hours.
const policy = policyFromConfig({
  steps: [
    { targets: [{ schedule: 'primary' }], timeout: '15m' },
    { targets: [{ user: 'lead' }], timeout: '1h' },
    { targets: [{ user: 'cto' }, { channel: 'eng-leads' }], timeout: '4h' },
  ],
});

const notified = (actions: EscalationAction[]) =>
  actions.map((a) => (a.type === 'notify' ? `r${a.round}s${a.stepIndex}:${a.reason}@${a.at}` : `${a.type}@${a.at}`));

/**
 * Drives one escalation on a simulated clock the way the daemon will: after each transition the
 * state goes through JSON (the saved row) and a timer is armed at `nextAt`.
 */
function drive(p: EscalationPolicy, clock: SimulatedClock, first: { state: EscalationState; actions: EscalationAction[] }) {
  const log: EscalationAction[] = [...first.actions];
  let row = JSON.stringify(first.state);
  const arm = (): void => {
    const s = JSON.parse(row) as EscalationState;
    if (s.nextAt === null) return;
    clock.at(s.nextAt, () => {
      const r = onTimer(p, JSON.parse(row) as EscalationState, clock.now());
      row = JSON.stringify(r.state);
      log.push(...r.actions);
      arm();
    });
  };
  arm();
  return { log, state: () => JSON.parse(row) as EscalationState, save: (s: EscalationState) => (row = JSON.stringify(s)) };
}

describe('escalation', () => {
  it('notifies step 1 at once and step 2 at minute 15 when nobody acknowledges', async () => {
    const clock = new SimulatedClock(0);
    const run = drive(policy, clock, startEscalation(policy, { id: 'inc-1' }, clock.now()));
    await clock.advance(15 * MINUTE - 1);
    expect(notified(run.log)).toEqual(['r0s0:start@0']);
    await clock.advance(1);
    expect(notified(run.log)).toEqual(['r0s0:start@0', `r0s1:timeout@${15 * MINUTE}`]);
    await clock.advance(HOUR);
    await clock.advance(4 * HOUR);
    expect(notified(run.log)).toEqual([
      'r0s0:start@0',
      `r0s1:timeout@${15 * MINUTE}`,
      `r0s2:timeout@${75 * MINUTE}`,
      `exhausted@${315 * MINUTE}`,
    ]);
    expect(run.state().status).toBe('exhausted');
    expect(clock.pendingTimers()).toBe(0);
  });

  it('an acknowledgement stops it: no further step is notified', async () => {
    const clock = new SimulatedClock(0);
    const run = drive(policy, clock, startEscalation(policy, { id: 'inc-2' }, clock.now()));
    await clock.advance(20 * MINUTE);
    run.save(acknowledgeEscalation(run.state(), clock.now(), 'lead'));
    await clock.advance(10 * HOUR);
    expect(notified(run.log)).toEqual(['r0s0:start@0', `r0s1:timeout@${15 * MINUTE}`]);
    expect(run.state()).toMatchObject({ status: 'acknowledged', stoppedBy: 'lead', stoppedAt: 20 * MINUTE, nextAt: null });
    expect(acknowledgeEscalation(run.state(), clock.now(), 'cto').stoppedBy).toBe('lead');
    // Resolved later, it says so (the resolution reached it), and keeps who stopped it and when.
    expect(resolveEscalation(run.state(), clock.now(), 'cto')).toMatchObject({ status: 'resolved', stoppedBy: 'lead', stoppedAt: 20 * MINUTE, nextAt: null });
  });

  it('repeats the steps N more rounds, then is exhausted', async () => {
    const p = policyFromConfig({ steps: [{ targets: [{ user: 'a' }], timeout: '5m' }, { targets: [{ user: 'b' }], timeout: '5m' }], repeat: 2 });
    const clock = new SimulatedClock(0);
    const run = drive(p, clock, startEscalation(p, { id: 'inc-3' }, 0));
    await clock.advance(HOUR);
    expect(notified(run.log).map((x) => x.split('@')[0])).toEqual([
      'r0s0:start', 'r0s1:timeout', 'r1s0:timeout', 'r1s1:timeout', 'r2s0:timeout', 'r2s1:timeout', 'exhausted',
    ]);
    expect(new Set(run.log.filter((a) => a.type === 'notify').map((a) => a.type === 'notify' && a.key)).size).toBe(6);
  });

  it('escalates early when the severity response target passes unacknowledged', async () => {
    // Seed 002: "VP Engineering: P1 > 1 hour" — with a 10-minute response target, step 2 comes at minute 10.
    const clock = new SimulatedClock(0);
    const run = drive(policy, clock, startEscalation(policy, { id: 'inc-4', openedAt: 0, responseTargetMs: 10 * MINUTE }, 0));
    await clock.advance(10 * MINUTE);
    // The miss is recorded (the incident's timeline line) before the step it pages.
    expect(notified(run.log)).toEqual(['r0s0:start@0', `response_missed@${10 * MINUTE}`, `r0s1:response_target@${10 * MINUTE}`]);
    // Step 2's own 1-hour timeout counts from the early escalation; the target fires only once.
    await clock.advance(HOUR);
    expect(notified(run.log).at(-1)).toBe(`r0s2:timeout@${70 * MINUTE}`);
  });

  it('ignores the response target when turned off, or when it comes after the timeout', () => {
    const off = { ...policy, escalateOnResponseTarget: false };
    const s = startEscalation(off, { id: 'inc-5', responseTargetMs: MINUTE }, 0).state;
    // Turned off, the target pages nobody: it is only recorded missed, and the chain waits for its timeout.
    const missed = onTimer(off, s, MINUTE);
    expect(notified(missed.actions)).toEqual([`response_missed@${MINUTE}`]);
    expect(missed.state.nextAt).toBe(15 * MINUTE);
    const late = startEscalation(policy, { id: 'inc-6', responseTargetMs: 2 * HOUR }, 0);
    const r = onTimer(policy, late.state, 15 * MINUTE);
    expect(notified(r.actions)).toEqual([`r0s1:timeout@${15 * MINUTE}`]);
    expect(r.state.nextAt).toBe(75 * MINUTE);
    // The target, after the timeout, is still recorded missed when it passes.
    expect(notified(onTimer(policy, r.state, 2 * HOUR).actions)).toEqual([`r0s2:timeout@${75 * MINUTE}`, `response_missed@${2 * HOUR}`]);
  });

  it('resumes after a restart from the saved row, catching up on missed steps in order', async () => {
    const started = startEscalation(policy, { id: 'inc-7' }, at('2026-03-08T06:50:00Z'));
    const row = JSON.stringify(started.state);
    // The process was down from minute 1 to minute 80: a new process loads the row and runs it.
    const clock = new SimulatedClock(at('2026-03-08T08:10:00Z'));
    const resumed = onTimer(policy, JSON.parse(row) as EscalationState, clock.now());
    expect(resumed.actions.map((a) => a.type === 'notify' && [a.stepIndex, new Date(a.at).toISOString()])).toEqual([
      [1, '2026-03-08T07:05:00.000Z'],
      [2, '2026-03-08T08:05:00.000Z'],
    ]);
    const run = drive(policy, clock, { state: resumed.state, actions: [] });
    await clock.advance(4 * HOUR);
    expect(notified(run.log)).toEqual([`exhausted@${at('2026-03-08T12:05:00Z')}`]);
  });

  it('resolves step targets at the instant: schedules to their on-call person, duplicates once', () => {
    const primary = scheduleFromConfig({
      time_zone: 'America/New_York',
      layers: [{ users: ['ann', 'lead'], rotation: { length: '1d', handoff: '09:00', start: '2026-03-01' } }],
    });
    const step = { targets: [{ schedule: 'primary' }, { user: 'lead' }, { channel: 'ops' }, { schedule: 'gone' }], timeoutMs: MINUTE };
    expect(resolveStepTargets(step, at('2026-03-01T10:00:00-05:00'), [primary])).toEqual([
      { kind: 'user', user: 'ann', schedule: 'primary' },
      { kind: 'user', user: 'lead' },
      { kind: 'channel', channel: 'ops' },
      { kind: 'nobody', schedule: 'gone' },
    ]);
    expect(resolveStepTargets(step, at('2026-03-02T10:00:00-05:00'), [primary])).toEqual([
      { kind: 'user', user: 'lead', schedule: 'primary' },
      { kind: 'channel', channel: 'ops' },
      { kind: 'nobody', schedule: 'gone' },
    ]);
  });
});

describe('the keys of a re-opened incident\'s escalation', () => {
  it('differ from its first opening\'s, and stay the same through the saved state', () => {
    const keys = (r: { actions: EscalationAction[] }) => r.actions.flatMap((a) => (a.type === 'notify' ? [a.key] : []));
    const first = startEscalation(policy, { id: 'inc_1', openedAt: 0 }, 0);
    const again = startEscalation(policy, { id: 'inc_1', openedAt: 0, epoch: 1 }, HOUR);
    expect(keys(first)).toEqual(['inc_1/default/r0/s0']);
    expect(keys(again)).toEqual(['inc_1/default/e1/r0/s0']);
    // The next step's key, worked out from the saved row, keeps the opening.
    const saved = JSON.parse(JSON.stringify(again.state)) as EscalationState;
    expect(keys(onTimer(policy, saved, HOUR + 15 * MINUTE))).toEqual(['inc_1/default/e1/r0/s1']);
    expect(keys(startEscalation(policy, { id: 'inc_1', openedAt: 0, epoch: 0 }, 0))).toEqual(keys(first));
    // A timed step is paged once per incident: its key is the same in every opening.
    const timed = policyFromConfig({ steps: [{ targets: [{ user: 'a' }], timeout: '15m' }, { targets: [{ user: 'cto' }], after_open: '1h' }] });
    expect(keys(startEscalation(timed, { id: 'inc_1', openedAt: 0, epoch: 2 }, 2 * HOUR))).toEqual(['inc_1/default/e2/r0/s0', 'inc_1/default/open/s1']);
  });
});

describe('an exhausted escalation answered', () => {
  it('says the answer reached it: acknowledged, then resolved', () => {
    const p = policyFromConfig({ steps: [{ targets: [{ user: 'a' }], timeout: '5m' }] });
    const exhausted = onTimer(p, startEscalation(p, { id: 'inc_x' }, 0).state, 5 * MINUTE).state;
    expect(exhausted).toMatchObject({ status: 'exhausted', stoppedAt: 5 * MINUTE });
    const acknowledged = acknowledgeEscalation(exhausted, 7 * MINUTE, 'a');
    expect(acknowledged).toMatchObject({ status: 'acknowledged', stoppedAt: 5 * MINUTE, stoppedBy: 'a' });
    expect(resolveEscalation(exhausted, 9 * MINUTE)).toMatchObject({ status: 'resolved', stoppedAt: 5 * MINUTE, nextAt: null });
    expect(resolveEscalation(acknowledged, 9 * MINUTE)).toMatchObject({ status: 'resolved', stoppedBy: 'a', nextAt: null });
  });
});

describe('escalate now', () => {
  const keys = (r: { actions: EscalationAction[] }) => r.actions.flatMap((a) => (a.type === 'notify' ? [a.key] : []));

  it('pages a running chain\'s next step under the key its timeout would use, and runs on from it', () => {
    const started = startEscalation(policy, { id: 'inc_1' }, 0).state;
    const r = escalateEscalation(policy, started, 5 * MINUTE);
    expect(r.step).toEqual({ stepIndex: 1, round: 0 });
    expect(keys(r)).toEqual(keys(onTimer(policy, started, 15 * MINUTE)));
    expect(r.state).toMatchObject({ status: 'active', stepIndex: 1, stepDeadline: 5 * MINUTE + HOUR });
  });

  it('re-arms an acknowledged chain at its next step: that step times out into the one after it unless acknowledged again', () => {
    const acknowledged = acknowledgeEscalation(startEscalation(policy, { id: 'inc_2' }, 0).state, 2 * MINUTE, 'ana');
    const r = escalateEscalation(policy, acknowledged, 5 * MINUTE);
    expect({ step: r.step, keys: keys(r) }).toEqual({ step: { stepIndex: 1, round: 0 }, keys: ['inc_2/default/r0/s1'] });
    // Before, the chain was stopped again at once: nothing after the paged step ever fired.
    expect(r.state).toMatchObject({ status: 'active', stepIndex: 1, stepDeadline: 5 * MINUTE + HOUR, responseDeadline: null, nextAt: 5 * MINUTE + HOUR, stoppedAt: null, stoppedBy: null });
    expect(onTimer(policy, r.state, 5 * MINUTE + HOUR).actions.map((a) => a.type === 'notify' && a.stepIndex)).toEqual([2]);
    expect(onTimer(policy, acknowledgeEscalation(r.state, 6 * MINUTE, 'carl'), 10 * HOUR).actions).toEqual([]);
  });

  it('names the first step a severity filter lets run', () => {
    const p = policyFromConfig({ steps: [{ targets: [{ user: 'a' }], timeout: '5m', severities: ['P1'] }, { targets: [{ user: 'b' }], timeout: '5m' }] });
    expect([firstStep(p, 'P1'), firstStep(p, 'P2'), firstStep(p, undefined)]).toEqual([{ stepIndex: 0, round: 0 }, { stepIndex: 1, round: 0 }, { stepIndex: 0, round: 0 }]);
  });

  it('does nothing past the last step or once resolved', () => {
    const p = policyFromConfig({ steps: [{ targets: [{ user: 'a' }], timeout: '5m' }] });
    const started = startEscalation(p, { id: 'inc_3' }, 0).state;
    expect(escalateEscalation(p, started, MINUTE)).toEqual({ state: started, actions: [], step: undefined });
    const resolved = resolveEscalation(startEscalation(policy, { id: 'inc_4' }, 0).state, MINUTE);
    expect(escalateEscalation(policy, resolved, 2 * MINUTE)).toEqual({ state: resolved, actions: [], step: undefined });
  });
});

describe('the next chain step (who is paged next, and when)', () => {
  it('is the next step at the current step’s timeout, or at the response target when that passes sooner', () => {
    const { state } = startEscalation(policy, { id: 'inc-n1', openedAt: 0, responseTargetMs: 60 * MINUTE }, 0);
    expect(nextChainStep(policy, state)).toEqual({ stepIndex: 1, round: 0, at: 15 * MINUTE });
    const soon = startEscalation(policy, { id: 'inc-n2', openedAt: 0, responseTargetMs: 10 * MINUTE }, 0).state;
    expect(nextChainStep(policy, soon)).toEqual({ stepIndex: 1, round: 0, at: 10 * MINUTE });
    expect(nextChainStep({ ...policy, escalateOnResponseTarget: false }, startEscalation({ ...policy, escalateOnResponseTarget: false }, { id: 'inc-n3', openedAt: 0, responseTargetMs: 10 * MINUTE }, 0).state)).toEqual({ stepIndex: 1, round: 0, at: 15 * MINUTE });
  });

  it('is none once acknowledged, and none on the last step (its timeout only ends the chain)', () => {
    const { state } = startEscalation(policy, { id: 'inc-n4' }, 0);
    expect(nextChainStep(policy, acknowledgeEscalation(state, MINUTE, 'ana'))).toBeUndefined();
    const last = onTimer(policy, onTimer(policy, state, 15 * MINUTE).state, 75 * MINUTE).state;
    expect(last.stepIndex).toBe(2);
    expect(nextChainStep(policy, last)).toBeUndefined();
    const rounds = { ...policy, repeat: 1 };
    const lastOfFirstRound = onTimer(rounds, onTimer(rounds, startEscalation(rounds, { id: 'inc-n5' }, 0).state, 15 * MINUTE).state, 75 * MINUTE).state;
    expect(nextChainStep(rounds, lastOfFirstRound)).toEqual({ stepIndex: 0, round: 1, at: 315 * MINUTE });
  });
});
