import { describe, expect, it } from 'vitest';
import { acknowledgeEscalation, onTimer, resolveEscalation, reviseEscalation, startEscalation, type EscalationAction, type EscalationState } from './escalation.js';
import { HOUR, MINUTE, policyFromConfig } from './test-support.js';

// One step with a long timeout: the response target is the only thing due soon. Paging on the
// target is off, so what is seen is the record of the miss alone.
const policy = { ...policyFromConfig({ steps: [{ targets: [{ schedule: 'primary' }], timeout: '12h' }] }), escalateOnResponseTarget: false };
const TARGET: Record<string, number> = { P1: 15 * MINUTE, P2: HOUR, P3: 4 * HOUR };
const incident = (severity: string) => ({ id: 'inc-1', openedAt: 0, severity, responseTargetMs: TARGET[severity]! });
const misses = (actions: EscalationAction[]) => actions.flatMap((a) => (a.type === 'response_missed' ? [`${a.severity}@${a.at / MINUTE}m`] : []));
/** Through the saved JSON, as the daemon keeps it. */
const saved = (s: EscalationState) => JSON.parse(JSON.stringify(s)) as EscalationState;

describe('the response target passing unanswered', () => {
  it('is recorded once, at the due time, also when the timer runs late', () => {
    const started = startEscalation(policy, incident('P1'), 0);
    expect(started.state.nextAt).toBe(15 * MINUTE);
    expect(misses(onTimer(policy, saved(started.state), 15 * MINUTE - 1).actions)).toEqual([]);
    // Run 40 minutes late (a restart): dated at the due time.
    const late = onTimer(policy, saved(started.state), 55 * MINUTE);
    expect(misses(late.actions)).toEqual(['P1@15m']);
    expect(late.state.responseMissedAt).toBe(15 * MINUTE);
    expect(misses(onTimer(policy, saved(late.state), 2 * HOUR).actions)).toEqual([]);
  });

  it('is not recorded when acknowledged before the due time, nor exactly at it', () => {
    for (const ackAt of [10 * MINUTE, 15 * MINUTE]) {
      const acked = acknowledgeEscalation(saved(startEscalation(policy, incident('P1'), 0).state), ackAt, 'ana');
      expect(acked.responseMissAt).toBeNull();
      expect(misses(onTimer(policy, saved(acked), 2 * HOUR).actions)).toEqual([]);
    }
  });

  it('is not recorded when resolved before the due time', () => {
    const resolved = resolveEscalation(saved(startEscalation(policy, incident('P1'), 0).state), 10 * MINUTE, 'ana');
    expect(resolved.nextAt).toBeNull();
    expect(misses(onTimer(policy, saved(resolved), 2 * HOUR).actions)).toEqual([]);
  });

  it('is still recorded, at the due time, when the answer came after it but before the timer ran', () => {
    const state = saved(startEscalation(policy, incident('P1'), 0).state);
    const acked = acknowledgeEscalation(state, 20 * MINUTE, 'ana');
    expect(misses(onTimer(policy, saved(acked), 20 * MINUTE).actions)).toEqual(['P1@15m']);
    const resolved = resolveEscalation(state, 20 * MINUTE, 'ana');
    expect(resolved.nextAt).toBe(15 * MINUTE);
    const r = onTimer(policy, saved(resolved), 20 * MINUTE);
    expect(misses(r.actions)).toEqual(['P1@15m']);
    expect(r.state.nextAt).toBeNull();
  });

  it('follows a severity change: a new target before it passes; after a miss, only a later one', () => {
    // P3 raised to P1 at minute 5: missed at 15. Lowered to P2: a later target, missed at the hour.
    let s = reviseEscalation(policy, saved(startEscalation(policy, incident('P3'), 0).state), incident('P1'), 5 * MINUTE).state;
    let r = onTimer(policy, saved(s), 20 * MINUTE);
    expect(misses(r.actions)).toEqual(['P1@15m']);
    r = reviseEscalation(policy, saved(r.state), incident('P2'), 20 * MINUTE);
    expect(misses(r.actions)).toEqual([]);
    r = onTimer(policy, saved(r.state), HOUR);
    expect(misses(r.actions)).toEqual(['P2@60m']);
    // Raised back to P1: its target was missed already.
    s = reviseEscalation(policy, saved(r.state), incident('P1'), 70 * MINUTE).state;
    expect(s.responseMissAt).toBeNull();
    expect(misses(onTimer(policy, saved(s), 3 * HOUR).actions)).toEqual([]);
  });

  it('a target that passed before a change, its timer not run yet, is recorded with the old severity before the new one is armed', () => {
    // P1's 15 minutes passed; the change to P2 at minute 20 comes before the timer ran.
    const r = reviseEscalation(policy, saved(startEscalation(policy, incident('P1'), 0).state), incident('P2'), 20 * MINUTE);
    expect(misses(r.actions)).toEqual(['P1@15m']);
    expect(r.state.responseMissAt).toBe(HOUR);
    expect(misses(onTimer(policy, saved(r.state), HOUR).actions)).toEqual(['P2@60m']);
  });

  it('raised to a target already past is recorded at once, dated at that target', () => {
    const r = reviseEscalation(policy, saved(startEscalation(policy, incident('P3'), 0).state), incident('P1'), 30 * MINUTE);
    expect(misses(r.actions)).toEqual(['P1@15m']);
  });

  it('an escalation stopped by acknowledgement does not take up a new target on a severity change', () => {
    const acked = acknowledgeEscalation(saved(startEscalation(policy, incident('P3'), 0).state), 5 * MINUTE, 'ana');
    const r = reviseEscalation(policy, saved(acked), incident('P1'), 6 * MINUTE);
    expect(misses(onTimer(policy, saved(r.state), HOUR).actions)).toEqual([]);
  });
});
