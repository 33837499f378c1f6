import { describe, expect, it } from 'vitest';
import { configuredLadder, DEFAULT_SEVERITIES } from './severity.js';
import type { Severity } from './types.js';

describe('configuredLadder', () => {
  const custom: Severity[] = [
    { ...DEFAULT_SEVERITIES[0]!, id: 'SEV1' },
    { ...DEFAULT_SEVERITIES[1]!, id: 'SEV2' },
  ];

  it('reads the configured list, or the default ladder when the list is empty', () => {
    expect(configuredLadder(custom).ids).toEqual(['SEV1', 'SEV2']);
    expect(configuredLadder([]).ids).toEqual(['P1', 'P2', 'P3', 'P4']);
  });

  it('builds one ladder per list: the same list gives the same ladder, a new list (a reload) a new one', () => {
    expect(configuredLadder(custom)).toBe(configuredLadder(custom));
    const reloaded = custom.map((s, i) => ({ ...s, id: `S${i + 1}` }));
    expect(configuredLadder(reloaded)).not.toBe(configuredLadder(custom));
    expect(configuredLadder(reloaded).ids).toEqual(['S1', 'S2']);
  });

  it('names the rung of incidents about opsbook itself: the third, or the last of a shorter ladder', () => {
    expect(configuredLadder([]).aboutOpsbook).toBe('P3');
    expect(configuredLadder(custom).aboutOpsbook).toBe('SEV2');
    expect(configuredLadder([custom[0]!]).aboutOpsbook).toBe('SEV1');
  });
});
