import { describe, expect, it } from 'vitest';
import { configLoader } from '../../../test/support/config.js';

const loadFile = configLoader('opsbook-paging-schema');
const load = (text: string) => loadFile('ops.yaml', text);

describe('paging.deadman: timeout and interval', () => {
  it('refuses a written timeout longer than the interval, at the timeout with both values', async () => {
    const r = await load('paging:\n  deadman:\n    url: http://127.0.0.1:1/ping\n    interval: 5s\n    timeout: 8s\n');
    if (r.ok) throw new Error('a dead-man timeout of 8s past an interval of 5s was accepted');
    expect(r.issues.map((i) => [i.path, i.line, i.message])).toEqual([
      ['paging.deadman.timeout', 5, 'timeout 8s must not be longer than interval 5s; shorten the timeout or lengthen the interval'],
    ]);
  });

  it('gives an unwritten timeout 10s, or the interval when that is shorter', async () => {
    const short = await load('paging:\n  deadman:\n    url: http://127.0.0.1:1/ping\n    interval: 2s\n');
    if (!short.ok) throw new Error(JSON.stringify(short.issues));
    expect(short.config.paging.deadman).toMatchObject({ interval: 2_000, timeout: 2_000 });
    const long = await load('paging:\n  deadman:\n    url: http://127.0.0.1:1/ping\n');
    if (!long.ok) throw new Error(JSON.stringify(long.issues));
    expect(long.config.paging.deadman).toMatchObject({ interval: 60_000, timeout: 10_000 });
  });
});
