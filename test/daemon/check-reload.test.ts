/**
 * A config reload touches only the checks it changes. One daemon on SQLite, on a simulated clock,
 * probing a loopback server that can hold a probe's answer. While a run of `keep` is in flight the
 * config is reloaded: `gone` is removed, `moved` gets a new interval and target, `added` is new.
 * `keep`'s run completes and its result is stored; `gone` stops; `moved` runs on its new grid against
 * its new target; `added` runs at its phase; only the checks that changed are prepared again. A
 * second reload that changes no check prepares nothing and leaves a run in flight alone.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SimulatedClock } from '../../src/lib/clock.js';
import { phaseOf, nextSlot } from '../../src/checks/scheduler/plan.js';
import { checkKind } from '../../src/checks/kinds/index.js';
import type { CheckResult } from '../../src/checks/index.js';
import { listResults } from '../../src/store/repos/check-history.js';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { slotsBetween, startProbeTarget, type ProbeTarget } from '../support/probe-target.js';
import { scaled } from '../support/timing.js';

const INTERVAL = 10_000;
const MOVED_INTERVAL = 20_000;
const TICK = 50;

describe('a config reload and the checks', () => {
  let server: DaemonApp;
  /** The loopback server probed: every probe it received, and the paths whose answers it holds. */
  let target: ProbeTarget;
  const clock = new SimulatedClock(Math.floor(Date.now() / 60_000) * 60_000);
  const probes = () => target.probes;
  const results: CheckResult[] = [];
  const http_ = checkKind('http')!;
  const prepared = vi.spyOn(http_, 'prepare');

  const ops = () => server.daemon.operations!;
  const settle = (maxMs = 5_000) => ops().settle(scaled(maxMs));
  const runFor = async (ms: number) => {
    await clock.advance(ms, () => settle());
    await settle();
  };
  const phase = (id: string, interval = INTERVAL) => phaseOf(id, interval, TICK);
  const slots = (id: string, from: number, to: number, interval = INTERVAL) => slotsBetween(phase(id, interval), interval, from, to);
  const runsOf = (id: string, from = -Infinity, to = Infinity) => results.filter((r) => r.checkId === id && r.at >= from && r.at <= to).map((r) => r.at);
  const check = (id: string, route = id, interval = '10s') => `  - { id: ${id}, kind: http, url: "http://127.0.0.1:${target.port}/${route}", interval: ${interval}, timeout: 5s }`;
  const writeConfig = (lines: string[]) => fs.writeFileSync(path.join(server.dir, 'ops.yaml'), `checks:\n${lines.join('\n')}\n`);
  /** Holds `keep`'s next probe and moves the clock to it; resolves with that probe, in flight. */
  const holdNextRun = async () => {
    target.hold('keep');
    const due = nextSlot(clock.now() + 1, phase('keep'), INTERVAL);
    await clock.advanceTo(due, () => settle(200));
    await expect.poll(() => probes().some((p) => p.path === 'keep' && p.at === due), { timeout: scaled(10_000) }).toBe(true);
    return probes().find((p) => p.path === 'keep' && p.at === due)!;
  };
  const release = async () => {
    target.release('keep');
    await settle();
  };

  beforeAll(async () => {
    target = await startProbeTarget(clock);
    server = await startDaemonApp('check-reload', { 'ops.yaml': `checks:\n${[check('keep'), check('gone'), check('moved')].join('\n')}\n` }, { clock });
    ops().on((e) => {
      if (e.type === 'check') results.push(e.result);
    });
  }, scaled(60_000));

  afterAll(async () => {
    prepared.mockRestore();
    await server?.close();
    await target?.close();
  }, scaled(60_000));

  it('removes, replaces and adds only the checks that changed; a run in flight of a check kept completes', async () => {
    const from = clock.now();
    await runFor(2 * INTERVAL);
    for (const id of ['keep', 'gone', 'moved']) expect(runsOf(id), id).toEqual(slots(id, from, clock.now()));

    const inFlight = await holdNextRun();
    prepared.mockClear();
    writeConfig([check('keep'), check('moved', 'moved-here', '20s'), check('added')]);
    const reloadedAt = clock.now();
    expect(await server.daemon.reload()).toBe(true);
    // Only the replaced and the added check are prepared again.
    expect(prepared.mock.calls.map(([c]) => (c as { id: string }).id).sort()).toEqual(['added', 'moved']);
    expect(inFlight.aborted).toBe(false);
    await release();
    expect(inFlight.aborted).toBe(false);
    // The run in flight across the reload is a result (the store has it once the history is written, below).
    expect(runsOf('keep')).toContain(inFlight.at);

    await runFor(4 * INTERVAL);
    const to = clock.now();
    await expect.poll(async () => (await listResults(server.daemon.store.db, 'keep', { from: inFlight.at, to: inFlight.at + 1 })).length, { timeout: scaled(20_000) }).toBe(1);
    expect(runsOf('keep', from), 'keep').toEqual(slots('keep', from, to));
    expect(runsOf('gone', reloadedAt + 1), 'gone').toEqual([]);
    expect(probes().filter((p) => p.path === 'gone' && p.at > reloadedAt)).toEqual([]);
    expect(runsOf('added'), 'added').toEqual(slots('added', reloadedAt + 1, to));
    // The changed check: its new grid, its new target, nothing at the old one.
    expect(runsOf('moved', reloadedAt + 1), 'moved').toEqual(slots('moved', reloadedAt + 1, to, MOVED_INTERVAL));
    expect(runsOf('moved', reloadedAt + 1).length).toBeGreaterThan(0);
    expect(probes().filter((p) => p.path === 'moved' && p.at > reloadedAt)).toEqual([]);
    expect(probes().filter((p) => p.path === 'moved-here').map((p) => p.at)).toEqual(runsOf('moved', reloadedAt + 1));
  }, scaled(120_000));

  it('prepares nothing again on a reload that changes no check, and leaves a run in flight alone', async () => {
    const inFlight = await holdNextRun();
    prepared.mockClear();
    // The same checks; something else changes.
    fs.writeFileSync(path.join(server.dir, 'ops.yaml'), `${fs.readFileSync(path.join(server.dir, 'ops.yaml'), 'utf8')}users:\n  - { name: ana, role: responder }\n`);
    expect(await server.daemon.reload()).toBe(true);
    expect(prepared).not.toHaveBeenCalled();
    expect(inFlight.aborted).toBe(false);
    await release();
    expect(runsOf('keep')).toContain(inFlight.at);
    const from = clock.now();
    await runFor(2 * INTERVAL);
    for (const id of ['keep', 'added']) expect(runsOf(id, from), id).toEqual(slots(id, from, clock.now()));
  }, scaled(120_000));
});
