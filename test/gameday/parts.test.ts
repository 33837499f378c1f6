/**
 * How `npm run gamedays` cuts the five seed systems into worlds (src/gameday/parts.ts), read from
 * their real gameday.yaml files: every scenario in exactly one world, socket faults alone, the
 * drills in a world of their own, systems interleaved.
 */
import { describe, expect, it } from 'vitest';
import { loadGameDaySpec, planParts } from '../../src/gameday/index.js';

const SYSTEMS = ['nxentra', 'novapulse', 'django-finance', 'library', 'apex'];
const dirs = SYSTEMS.map((s) => `examples/${s}`);
const specs = await Promise.all(dirs.map((d) => loadGameDaySpec(d)));

describe('game-day parts', () => {
  it('runs every scenario of every system exactly once, and each system’s drills once', () => {
    for (const perWorld of [1, 2, 3]) {
      const { parts } = planParts(specs, dirs, { scenariosPerWorld: perWorld });
      for (const [i, spec] of specs.entries()) {
        const mine = parts.filter((p) => p.system === i);
        expect(mine.flatMap((p) => p.scenarios).sort()).toEqual(spec.scenarios.map((s) => s.id).sort());
        expect(mine.filter((p) => p.drills)).toHaveLength(1);
        expect(mine.find((p) => p.drills)!.scenarios).toEqual([]);
        for (const p of mine) expect(p.scenarios.length).toBeLessThanOrEqual(perWorld);
      }
    }
  });

  it('gives a fault on the stand-in’s socket a world of its own', () => {
    const { parts } = planParts(specs, dirs, { scenariosPerWorld: 3 });
    const socketFaults = specs.flatMap((spec, i) => spec.scenarios.filter((s) => 'http' in s.inject).map((s) => ({ i, id: s.id })));
    expect(socketFaults.length).toBeGreaterThan(0);
    for (const { i, id } of socketFaults) expect(parts.find((p) => p.system === i && p.scenarios.includes(id))!.scenarios).toEqual([id]);
  });

  it('takes only the scenarios asked for, without drills when told, and skips systems with none', () => {
    const { parts, perSystem } = planParts(specs, dirs, { scenariosPerWorld: 1, only: ['redis-down'], drills: false });
    expect(parts.map((p) => [SYSTEMS[p.system], p.scenarios])).toEqual([['novapulse', ['redis-down']], ['apex', ['redis-down']]]);
    expect(perSystem[0]).toEqual([]);
  });

  it('starts the systems round robin, so no system waits for another to finish', () => {
    const { parts } = planParts(specs, dirs, { scenariosPerWorld: 1 });
    expect(parts.slice(0, SYSTEMS.length).map((p) => p.system)).toEqual([0, 1, 2, 3, 4]);
  });
});
