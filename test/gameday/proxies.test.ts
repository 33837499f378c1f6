/**
 * Which loopback proxies a world is built with (src/gameday/world.ts `faults`): the socket in front
 * of the stand-in only for the socket faults, the failover's addresses only for a primary that goes
 * down — read from the seed systems' real gameday.yaml files.
 */
import { describe, expect, it } from 'vitest';
import { proxiesFor } from '../../src/gameday/faults/index.js';
import { loadGameDaySpec } from '../../src/gameday/index.js';

const specs = await Promise.all(['nxentra', 'novapulse', 'django-finance', 'library', 'apex'].map((s) => loadGameDaySpec(`examples/${s}`)));
const scenarios = specs.flatMap((spec) => spec.scenarios.map((s) => ({ id: `${spec.system}/${s.id}`, inject: s.inject })));

describe('the proxies a world is built with', () => {
  it('puts the socket in front of the stand-in only for a socket fault', () => {
    const withSocket = scenarios.filter((s) => proxiesFor([s.inject]).standin).map((s) => s.id);
    expect(withSocket.sort()).toEqual(scenarios.filter((s) => 'http' in s.inject).map((s) => s.id).sort());
    expect(withSocket.length).toBeGreaterThan(0);
    expect(proxiesFor([{ http: 'slow', delay: 1500 }])).toEqual({ standin: true, failover: false });
  });

  it('makes the failover addresses only for a primary that goes down', () => {
    expect(scenarios.filter((s) => proxiesFor([s.inject]).failover).map((s) => s.id)).toEqual(['library/primary-down']);
    expect(proxiesFor([{ postgres: 'replication_lag', lag: 6000 }, { redis: 'down' }])).toEqual({ standin: false, failover: false });
  });

  it('needs a proxy when any one of a world’s faults does', () => {
    const down = scenarios.find((s) => s.id === 'library/primary-down')!.inject;
    const socket = scenarios.find((s) => 'http' in s.inject)!.inject;
    expect(proxiesFor([{ redis: 'down' }, down, socket])).toEqual({ standin: true, failover: true });
    expect(proxiesFor([])).toEqual({ standin: false, failover: false });
  });
});
