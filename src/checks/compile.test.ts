import { describe, expect, it } from 'vitest';
import { checkSchema } from '../config/schema/checks.js';
import { compileCheck } from './compile.js';
import { evaluateCheck } from './evaluate-check.js';

const check = (id: string, conditions: string[]) => compileCheck(checkSchema.parse({ id, kind: 'http', url: `http://127.0.0.1:9/${id}`, conditions }));

describe('compiled checks', () => {
  it('share the parse of a condition they both write, and the set of placeholders they read', () => {
    const a = check('a', ['[STATUS] == 200', '[BODY].status == ok']);
    const b = check('b', ['[BODY].status == ok', '[STATUS] == 200']);
    const c = check('c', ['[STATUS] == 200', '[RESPONSE_TIME] < 500']);
    expect(b.conditions[1]).toBe(a.conditions[0]);
    expect(b.conditions[0]).toBe(a.conditions[1]);
    expect(b.reads).toBe(a.reads);
    expect([...a.reads].sort()).toEqual(['BODY', 'STATUS']);
    expect(c.reads).not.toBe(a.reads);
    expect([...c.reads].sort()).toEqual(['RESPONSE_TIME', 'STATUS']);
  });

  it('evaluate each check against its own observation when the parse is shared', () => {
    const a = check('up', ['[STATUS] == 200']);
    const b = check('down', ['[STATUS] == 200']);
    const at = { at: 0, latencyMs: 1 };
    expect(evaluateCheck(a, { values: { STATUS: 200 } }, at).status).toBe('up');
    expect(evaluateCheck(b, { values: { STATUS: 503 } }, at)).toMatchObject({ checkId: 'down', status: 'down' });
    expect(evaluateCheck(a, { values: { STATUS: 200 } }, at).status).toBe('up');
  });
});
