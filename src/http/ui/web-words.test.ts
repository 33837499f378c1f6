import { describe, expect, it } from 'vitest';
import { authorise } from '../../executions/index.js';
import { forTheWeb } from './web-words.js';

describe('web pages speak web', () => {
  it('drops the command line’s flags from the safety gate’s refusals', () => {
    const ana = { name: 'ana', role: 'responder' as const, via: 'session' as const };
    const write = authorise('write', ana, {}, { expected: 'x' } as never);
    const destructive = authorise('destructive', ana, { yes: true }, { expected: 'orders-db' } as never);
    for (const d of [write, destructive]) {
      expect(d.allowed).toBe(false);
      if (!d.allowed) expect(forTheWeb(d.reason)).not.toMatch(/--[a-z]/);
    }
  });

  it('names missing parameters without --param', () => {
    expect(forTheWeb('missing parameter host, port: pass --param host=VALUE --param port=VALUE')).toBe('missing parameter host, port: set procedures[…].params for host port');
    expect(forTheWeb('no service for this procedure: set procedures["FILE#ID"].service or pass --service')).toBe('no service for this procedure: set procedures["FILE#ID"].service');
  });
});
