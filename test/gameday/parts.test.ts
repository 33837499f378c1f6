/**
 * How `npm run gamedays` cuts the five seed systems into worlds (src/gameday/parts.ts), read from
 * their real gameday.yaml files: every scenario in exactly one world, socket faults alone, the
 * drills in a world of their own, the longest first; and how a system's result is made of its worlds'.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DRILLS, loadGameDaySpec, planParts, readRecordedSeconds, systemResult, writeRecordedSeconds, type GameDayResult, type RecordedSeconds } from '../../src/gameday/index.js';

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

  it('split over both stores: every scenario once, alternating by its place in the spec, the other half with the other offset, each system’s drills once, alternating by system', () => {
    const byOffset = ([0, 1] as const).map((split) => planParts(specs, dirs, { scenariosPerWorld: 1, split }));
    for (const [offset, { parts, groups }] of byOffset.entries()) {
      for (const [i, spec] of specs.entries()) {
        const mine = parts.filter((p) => p.system === i);
        expect(mine.flatMap((p) => p.scenarios).sort()).toEqual(spec.scenarios.map((s) => s.id).sort());
        for (const [at, s] of spec.scenarios.entries()) expect(mine.find((p) => p.scenarios.includes(s.id))!.store).toBe((at + offset) % 2 === 0 ? 'sqlite' : 'postgres');
        expect(mine.filter((p) => p.drills).map((p) => p.store)).toEqual([(i + offset) % 2 === 0 ? 'sqlite' : 'postgres']);
        // One result per system and store, made of exactly that store's parts.
        const mineGroups = groups.filter((g) => g.system === i);
        expect(mineGroups.map((g) => g.store).sort()).toEqual(['postgres', 'sqlite']);
        for (const g of mineGroups) expect(g.parts.every((p) => p.store === g.store && p.system === i)).toBe(true);
        expect(mineGroups.flatMap((g) => g.parts)).toHaveLength(mine.length);
      }
    }
    // The two offsets together run every scenario on both stores.
    const ran = new Set(byOffset.flatMap(({ parts }) => parts.flatMap((p) => p.scenarios.map((id) => `${p.system} ${id} ${p.store}`))));
    expect(ran.size).toBe(2 * specs.reduce((n, s) => n + s.scenarios.length, 0));
    // … and every system's drills on both stores.
    expect(new Set(byOffset.flatMap(({ parts }) => parts.filter((p) => p.drills).map((p) => `${p.system} ${p.store}`))).size).toBe(2 * specs.length);
    // Unsplit, every part is on the store asked for.
    expect(new Set(planParts(specs, dirs, { scenariosPerWorld: 1, store: 'postgres' }).parts.map((p) => p.store))).toEqual(new Set(['postgres']));
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

  it('starts the longest parts first by the spec’s estimate when no run was recorded, equal ones round robin', () => {
    const { parts, expected } = planParts(specs, dirs, { scenariosPerWorld: 1 });
    const seconds = parts.map((p) => expected.get(p)!.seconds);
    for (let k = 1; k < seconds.length; k++) expect(seconds[k]).toBeLessThanOrEqual(seconds[k - 1]!);
    expect([...expected.values()].every((e) => e.source === 'estimated')).toBe(true);
    // A peer late in real time on every probe, and an alert an hour in coming, lead.
    const first = parts.slice(0, 2).map((p) => `${SYSTEMS[p.system]} ${p.scenarios.join()}`);
    expect(first).toEqual(expect.arrayContaining(['novapulse database-connection-issues', 'django-finance hourly-backup-missing']));
    // Equal estimates keep the round robin: the drills' parts of systems with the same windows, system by system.
    const drills = parts.filter((p) => p.drills);
    for (let k = 1; k < drills.length; k++) if (expected.get(drills[k]!)!.seconds === expected.get(drills[k - 1]!)!.seconds) expect(drills[k]!.system).toBeGreaterThan(drills[k - 1]!.system);
  });

  it('goes by the seconds recorded for the store, else the other store’s, and is the same order for the same record', () => {
    const recorded: RecordedSeconds = { sqlite: { library: { 'high-query-latency': 999 } }, postgres: { apex: { 'redis-down': 500, 'error-rate': 400 } } };
    const sqlite = planParts(specs, dirs, { scenariosPerWorld: 1, store: 'sqlite', recorded }).parts;
    expect(sqlite.slice(0, 3).map((p) => `${SYSTEMS[p.system]} ${p.scenarios.join()}`)).toEqual(['library high-query-latency', 'apex redis-down', 'apex error-rate']);
    expect(planParts(specs, dirs, { scenariosPerWorld: 1, store: 'sqlite', recorded }).parts).toEqual(sqlite);
    const pg = planParts(specs, dirs, { scenariosPerWorld: 1, store: 'postgres', recorded });
    const top = pg.parts[0]!;
    expect(`${SYSTEMS[top.system]} ${top.scenarios.join()}`).toBe('library high-query-latency');
    expect(pg.expected.get(top)).toEqual({ seconds: 999, source: 'recorded' });
    // A part with nothing recorded falls back to its estimate.
    const drills = pg.parts.find((p) => p.drills)!;
    expect(pg.expected.get(drills)!.source).toBe('estimated');
  });

  it('reads no record from a missing or malformed file, and merges a run’s seconds into what was recorded', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'opsbook-gameday-seconds-'));
    try {
      const file = join(dir, 'cache', 'seconds.json');
      expect(await readRecordedSeconds(file)).toEqual({});
      await writeFile(join(dir, 'bad.json'), '{ not json');
      expect(await readRecordedSeconds(join(dir, 'bad.json'))).toEqual({});
      await writeRecordedSeconds(file, 'sqlite', { apex: { 'redis-down': 30, [DRILLS]: 20 } });
      await writeRecordedSeconds(file, 'sqlite', { apex: { 'redis-down': 35 }, library: { 'stale-backup': 60 } });
      await writeRecordedSeconds(file, 'postgres', { apex: { 'redis-down': 70 } });
      expect(await readRecordedSeconds(file)).toEqual({ sqlite: { apex: { 'redis-down': 35, [DRILLS]: 20 }, library: { 'stale-backup': 60 } }, postgres: { apex: { 'redis-down': 70 } } });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('a system’s result from its worlds', () => {
  const spec = specs[4]!; // apex
  const ids = spec.scenarios.map((s) => s.id);
  const world = (scenarios: string[], drills: boolean): GameDayResult => ({
    system: spec.system, seed: spec.seed, dir: '/x/apex', store: 'postgres', baseline: [],
    scenarios: scenarios.map((id) => ({ id, title: id, passed: true, failures: [], seconds: 1, expected: { alert: '', severity: '', severitySource: '', runbook: '' }, fault: { text: '', standIn: false }, negativeControl: { ran: true, held: true, text: '' } })),
    drills: drills ? [{ kind: 'maintenance', scenario: ids[0]!, passed: true, failures: [], text: 'held', seconds: 1 }] : [],
    recoveries: [], timings: { world: 1 }, passed: scenarios.length, failed: 0, rejectedWebhooks: [], seconds: 1,
  });

  it('keeps the other worlds’ results when one world fails, and fails that world’s scenarios with its error', () => {
    const done = [
      { part: { scenarios: [], drills: true }, result: world([], true) },
      { part: { scenarios: [ids[0]!], drills: false }, result: world([ids[0]!], false) },
      { part: { scenarios: [ids[1]!], drills: false }, result: new Error('cannot start redis-server: spawn ENOENT') },
      { part: { scenarios: [ids[2]!], drills: false }, result: world([ids[2]!], false) },
    ];
    const r = systemResult(spec, dirs[4]!, 'sqlite', done, 12);
    expect(r.scenarios.map((s) => [s.id, s.passed])).toEqual([[ids[0], true], [ids[1], false], [ids[2], true]]);
    expect(r.scenarios[1]!.failures).toEqual(['its world failed: cannot start redis-server: spawn ENOENT']);
    expect(r.scenarios[1]!.title).toBe(spec.scenarios[1]!.title);
    expect(r.drills).toHaveLength(1);
    expect(r.worldFailures).toEqual([{ part: ids[1], error: 'cannot start redis-server: spawn ENOENT' }]);
    expect(r.passed).toBe(2);
    expect(r.failed).toBe(2); // its scenario, and the world itself
    expect(r.worlds).toBe(4);
    expect(r.store).toBe('postgres');
  });

  it('reports a failed drills’ world as a world failure, and a system whose every world failed with its spec’s name', () => {
    const r = systemResult(spec, dirs[4]!, 'sqlite', [{ part: { scenarios: [], drills: true }, result: new Error('boom') }, { part: { scenarios: [ids[0]!], drills: false }, result: new Error('bang') }], 3);
    expect(r.system).toBe('apex');
    expect(r.store).toBe('sqlite');
    expect(r.worldFailures).toEqual([{ part: 'drills', error: 'boom' }, { part: ids[0], error: 'bang' }]);
    expect(r.scenarios.map((s) => s.passed)).toEqual([false]);
    expect(r.failed).toBe(3);
    expect(r.passed).toBe(0);
  });
});
