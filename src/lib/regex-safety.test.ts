/**
 * Patterns from config, API bodies and conditions run in linear time: `(a+)+$` against a long run
 * of `a` then `b` would backtrack 2^n steps in a backtracking engine and freeze the event loop.
 * These inputs finish at all only because matching is linear (a backtracking engine would not
 * return within the test timeout on 5,000 characters).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { anchoredRegex, labelMatches } from './labels.js';
import { silencesSection } from '../config/schema/maintenance.js';
import { ConditionScope, evaluateCondition, parseCondition } from '../checks/conditions/index.js';
import { SimulatedClock } from './clock.js';
import { IncidentService } from '../incidents/service.js';
import { ana, HOUR, testStore } from '../incidents/test-support.js';

const EVIL = 'a'.repeat(5000) + 'b';

describe('linear-time pattern matching', () => {
  it('matches (a+)+$ against 5,000 × a + b without backtracking', () => {
    expect(labelMatches({ label: 'alertname', op: '=~', value: '(a+)+$' }, { alertname: EVIL })).toBe(false);
    expect(labelMatches({ label: 'alertname', op: '=~', value: '(a+)+$' }, { alertname: 'aaaa' })).toBe(true);
    expect(labelMatches({ label: 'alertname', op: '!~', value: '(a|aa)+' }, { alertname: EVIL })).toBe(true);
    expect(anchoredRegex('5..').test('503')).toBe(true);
  });

  it('a condition glob with many stars stays linear', () => {
    const cond = parseCondition(`[BODY] == pat(${'*a'.repeat(30)}*c)`);
    expect(evaluateCondition(cond, new ConditionScope({ BODY: EVIL })).ok).toBe(false);
    expect(evaluateCondition(cond, new ConditionScope({ BODY: 'a'.repeat(40) + 'c' })).ok).toBe(true);
  });

  it('refuses in config a pattern the linear engine cannot run, at its path', () => {
    const base = { id: 's', starts: '2026-01-01T00:00Z', ends: '2026-01-02T00:00Z', created_by: 'ana', comment: 'c' };
    expect(silencesSection.safeParse([{ ...base, matchers: [{ label: 'x', op: '=~', value: '(a+)+$' }] }]).success).toBe(true);
    const r = silencesSection.safeParse([{ ...base, matchers: [{ label: 'x', op: '=~', value: '(a)\\1' }] }]);
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.'))).toEqual(['0.matchers.0.value']);
  });

  describe('silences created at runtime', () => {
    const cleanups: Array<() => Promise<void>> = [];
    afterAll(async () => {
      for (const c of cleanups) await c();
    });

    it('accepts (a+)+$ and matches it linearly; refuses a backreference with a located error', async () => {
      const { store, cleanup } = await testStore();
      cleanups.push(cleanup);
      const clock = new SimulatedClock(Date.parse('2026-03-04T10:00:00Z'));
      const svc = new IncidentService(store, clock, {});
      await svc.createSilence({ matchers: [{ label: 'alertname', op: '=~', value: '(a+)+$' }], endsAt: clock.now() + HOUR, comment: 'storm' }, ana);
      await expect(svc.createSilence({ matchers: [{ label: 'alertname', op: '=~', value: '(a)\\1' }], endsAt: clock.now() + HOUR, comment: 'x' }, ana)).rejects.toMatchObject({
        code: 'OPSBOOK_E_SILENCE_INVALID',
        location: { path: 'matchers[0].value' },
      });
    });
  });
});
