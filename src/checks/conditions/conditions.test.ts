import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkOrders, ConditionScope, evaluateCondition, parseCondition } from './index.js';
import { OpsbookError } from '../../lib/errors/index.js';

function check(text: string, values: Record<string, unknown>) {
  return evaluateCondition(parseCondition(text), new ConditionScope(values));
}

describe('conditions in Gatus syntax', () => {
  const body = JSON.stringify({ status: 'healthy', items: [{ id: 7 }, { id: 8 }], cache: { hit_rate: 0.72 }, name: 'John Doe' });

  it.each([
    ['[STATUS] == 200', { STATUS: 200 }, true, '200'],
    ['[STATUS] == 200', { STATUS: 503 }, false, '503'],
    ['[STATUS] < 400', { STATUS: 302 }, true, '302'],
    ['[RESPONSE_TIME] < 300', { RESPONSE_TIME: 301 }, false, '301'],
    ['[BODY].status == healthy', { BODY: body }, true, 'healthy'],
    ['[BODY].items[1].id == 8', { BODY: body }, true, '8'],
    ['len([BODY].items) > 0', { BODY: body }, true, '2'],
    ['len([BODY].missing) > 0', { BODY: body }, false, '(missing)'],
    ['has([BODY].cache) == true', { BODY: body }, true, 'true'],
    ['has([BODY].errors) == false', { BODY: body }, true, 'false'],
    ['[BODY].status == pat(heal*)', { BODY: body }, true, 'healthy'],
    ['[BODY].status != pat(*sick*)', { BODY: body }, true, 'healthy'],
    ['[BODY].status == any(ok, healthy)', { BODY: body }, true, 'healthy'],
    ['[BODY].name == John Doe', { BODY: body }, true, 'John Doe'],
    ['[BODY].cache.hit_rate > 70%', { BODY: body }, true, '72%'],
    ['[CERTIFICATE_EXPIRATION] > 720h', { CERTIFICATE_EXPIRATION: 240 * 3_600_000 }, false, '10d'],
    ['[CERTIFICATE_EXPIRATION] > 48h', { CERTIFICATE_EXPIRATION: 240 * 3_600_000 }, true, '10d'],
    ['[AGE] < 25h', { AGE: 3_600_000 }, true, '1h'],
    ['[SIZE] >= 1KiB', { SIZE: 1024 }, true, '1024'],
    ['[STDOUT] == "a b"', { STDOUT: 'a b' }, true, 'a b'],
    ['[CONNECTED] == true', { CONNECTED: true }, true, 'true'],
    ['[VALUE] > 80%', { VALUE: 0.81 }, true, '81%'],
    ['[VALUE] > 80', { VALUE: 0.81 }, false, '0.81'],
    ['[DNS_RCODE] == NOERROR', { DNS_RCODE: 'NOERROR' }, true, 'NOERROR'],
    ['[STATUS] == 200 && [RESPONSE_TIME] < 300', { STATUS: 200, RESPONSE_TIME: 100 }, true, '200, 100'],
    ['[STATUS] == 500 || ([STATUS] == 200 && ![CONNECTED])', { STATUS: 200, CONNECTED: false }, true, '200, 200, false'],
    ['[VALUE] > 10', {}, false, '(missing)'],
    ['[VALUE] != 10', {}, false, '(missing)'],
  ])('%s with %j → %s', (text, values, ok, actual) => {
    expect(check(text, values)).toEqual({ ok, actual });
  });

  it('masks the check’s credentials in what it observed, whole even across the cut at 120 characters', () => {
    const token = 'tok-0123456789abcdef';
    const secrets = [token];
    const masked = (body: string) => evaluateCondition(parseCondition('[BODY] == pat(*healthy*)'), new ConditionScope({ BODY: body }), secrets).actual;
    expect(masked(`{"auth":"${token}"}`)).toBe('{"auth":"********"}');
    // The token starts 5 characters before the cut: none of it is shown.
    const across = masked(`${'x'.repeat(112)}${token}${'y'.repeat(50)}`);
    expect(across).toBe(`${'x'.repeat(112)}*****...`);
    expect(across).not.toContain('tok-');
    // Past what is shown, nothing of it either, and the text still says it was cut.
    expect(masked(`${'x'.repeat(300)}${token}`)).toBe(`${'x'.repeat(117)}...`);
    expect(masked(`short ${token} body ${'z'.repeat(200)}`)).toBe(`short ******** body ${'z'.repeat(97)}...`);
  });

  it('reports parse errors with their column', () => {
    const cases: [string, number][] = [
      ['[STATUS] == ', 13],
      ['[status] == 200', 1],
      ['[STATUS] === 200', 12],
      ['len([BODY].items > 0', 18],
      ['pat(*x*) == [BODY]', 1],
      ['[BODY] > any(a, b)', 8],
      ['[STATUS] == "200', 13],
      ['[STATUS] == 200 )', 17],
    ];
    for (const [text, column] of cases) {
      let err: unknown;
      try {
        parseCondition(text);
      } catch (e) {
        err = e;
      }
      expect(err, text).toBeInstanceOf(OpsbookError);
      expect((err as OpsbookError).code).toBe('OPSBOOK_E_CHECK_CONDITION');
      expect({ text, column: (err as OpsbookError).location?.column }).toEqual({ text, column });
    }
  });

  it('refuses an order (<, <=, >, >=) against a word, which would never hold, naming the word', () => {
    const cases: [string, number][] = [
      ['[VALUE] > 5OO', 11],
      ['[VALUE] > 500 jobs', 11],
      ['[RESPONSE_TIME] < 5OOms', 19],
      ['[BODY].version >= "2"', 19],
      ['[CONNECTED] <= true', 16],
      ['high < [VALUE]', 1],
    ];
    for (const [text, column] of cases) {
      let err: unknown;
      try {
        checkOrders(parseCondition(text));
      } catch (e) {
        err = e;
      }
      expect(err, text).toBeInstanceOf(OpsbookError);
      expect({ text, column: (err as OpsbookError).location?.column }).toEqual({ text, column });
    }
    expect(() => checkOrders(parseCondition('[VALUE] > 5OO'))).toThrow('> compares numbers, durations (720h), percentages (80%) or sizes (10MB), and "5OO" is none of them at column 11 of "[VALUE] > 5OO"');
    // Equality with a word stays: [DNS_RCODE] == NOERROR.
    expect(() => checkOrders(parseCondition('[VALUE] == 5OO'))).not.toThrow();
  });

  it('lists the placeholders a condition reads', () => {
    expect(parseCondition('len([BODY].items) > 0 && [STATUS] == 200 && [BODY].x == 1').placeholders).toEqual(['BODY', 'STATUS']);
  });

  it('reads [NAME:entry] as one entry of a per-name placeholder', () => {
    const workers = { WORKERS: { projections: 2, 'celery.default': 0 } };
    expect(check('[WORKERS:projections] >= 1', workers)).toMatchObject({ ok: true, actual: '2' });
    expect(check('[WORKERS:celery.default] >= 1', workers)).toMatchObject({ ok: false, actual: '0' });
    expect(check('[WORKERS:reports] >= 1', workers).ok).toBe(false);
    expect(parseCondition('[WORKERS:projections] >= 1').placeholders).toEqual(['WORKERS']);
    expect(() => parseCondition('[WORKERS:] >= 1')).toThrow(/name after the colon/);
  });

  it('orders numbers exactly as JavaScript does, for any pair', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: -1e9, max: 1e9 }), fc.constantFrom('<', '<=', '>', '>=', '==', '!='), (a, b, op) => {
        const expected = { '<': a < b, '<=': a <= b, '>': a > b, '>=': a >= b, '==': a === b, '!=': a !== b }[op];
        expect(check(`[VALUE] ${op} ${b}`, { VALUE: a }).ok).toBe(expected);
      }),
      { numRuns: 10_000 },
    );
  });

  it('never fails with anything but a located condition error on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        try {
          parseCondition(text);
        } catch (e) {
          expect(e).toBeInstanceOf(OpsbookError);
          expect((e as OpsbookError).location?.column).toBeGreaterThan(0);
        }
      }),
      { numRuns: 10_000 },
    );
  });
});
