import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { bindContext } from './async-context.js';

describe('bindContext', () => {
  const context = new AsyncLocalStorage<string>();

  it('runs the function in the context it was bound in, not its caller’s, with the arguments and result passed through', async () => {
    const bound = context.run('binder', () => bindContext((a: number, b: number) => ({ seen: context.getStore(), sum: a + b })));
    expect(context.run('caller', () => bound(2, 3))).toEqual({ seen: 'binder', sum: 5 });
    expect(bound(1, 1)).toEqual({ seen: 'binder', sum: 2 });
    // Bound outside any context: none inside, whoever calls it.
    const plain = bindContext(() => context.getStore());
    expect(context.run('caller', plain)).toBeUndefined();
    // Promises the function starts carry the bound context on.
    const later = context.run('binder', () => bindContext(async () => {
      await new Promise((r) => setImmediate(r));
      return context.getStore();
    }));
    expect(await context.run('caller', later)).toBe('binder');
  });

  it('passes a thrown error to its caller', () => {
    const bound = bindContext(() => {
      throw new Error('boom');
    });
    expect(() => bound()).toThrow('boom');
  });
});
