/**
 * The incident about opsbook's own overload resolves by itself once the event loop has stayed under
 * the bound for OVERLOAD_QUIET_MS, sampled every OVERLOAD_SAMPLE_MS on the (simulated) clock. The
 * loop's lateness is scripted: what is under test is the watch, not the machine's speed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, expect, it } from 'vitest';
import type { CheckResult, ProbeSnapshot } from '../../checks/index.js';
import { opsConfigSchema } from '../../config/schema/index.js';
import { SimulatedClock } from '../../lib/clock.js';
import { openStore, type Store } from '../../store/index.js';
import { Operations } from './operations.js';
import { OVERLOAD_DEDUP_KEY, OVERLOAD_QUIET_MS, OVERLOAD_SAMPLE_MS } from './overload.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function pipeline(lateMs: () => number, at = Date.UTC(2026, 0, 1), dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-overload-'))): Promise<{ ops: Operations; clock: SimulatedClock; store: Store; dir: string; stop: () => Promise<void> }> {
  const store = await openStore({ url: path.join(dir, 'opsbook.db') });
  await store.migrate();
  const clock = new SimulatedClock(at);
  const config = opsConfigSchema.parse({});
  const host = { store, clock, config, logger: pino({ level: 'silent' }), metrics: { registry: new Registry() } };
  const ops = await Operations.create(host, { probes: false, delivery: false, loopDelay: { worstSince: () => lateMs() } });
  await ops.start();
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await ops.stop();
    await store.close();
  };
  cleanups.push(async () => {
    await stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { ops, clock, store, dir, stop };
}

function withheld(at: number): CheckResult {
  return {
    checkId: 'api', kind: 'http', at, status: 'unknown', level: 'ok', latencyMs: 900, conditions: [], loopDelayMs: 400,
    error: "unknown: opsbook's event loop was 400 ms late during this run (bound 100 ms)",
  };
}

const probe: ProbeSnapshot = { status: 'unknown', level: 'ok', worseStreak: 0, betterStreak: 0, downStreak: 0, upStreak: 0 };

async function overloadIncident(ops: Operations): Promise<{ state: string } | undefined> {
  const all = await ops.incidents.list();
  return all.find((i) => i.title.includes('overloaded'));
}

/** Moves the clock in sample-sized steps, letting the pipeline finish each step's work. */
async function advance(ops: Operations, clock: SimulatedClock, ms: number): Promise<void> {
  for (let left = ms; left > 0; left -= OVERLOAD_SAMPLE_MS) {
    await clock.advance(Math.min(OVERLOAD_SAMPLE_MS, left));
    await ops.idle();
  }
}

it('resolves the overload incident once the loop has stayed under the bound for the quiet period, not before', async () => {
  let late = 0;
  const { ops, clock } = await pipeline(() => late);
  await ops.injectCheckResult(withheld(clock.now()), probe);
  expect(await overloadIncident(ops)).toMatchObject({ state: 'triggered' });

  // Still late a while after the withheld run: the quiet period starts again from that sample.
  await advance(ops, clock, 2 * 60_000);
  late = 350;
  await advance(ops, clock, OVERLOAD_SAMPLE_MS);
  late = 0;
  await advance(ops, clock, OVERLOAD_QUIET_MS - 2 * OVERLOAD_SAMPLE_MS);
  expect(await overloadIncident(ops)).toMatchObject({ state: 'triggered' });

  await advance(ops, clock, 3 * OVERLOAD_SAMPLE_MS);
  expect(await overloadIncident(ops)).toMatchObject({ state: 'resolved' });
  expect(OVERLOAD_DEDUP_KEY).toBe('opsbook:overload');
});

it('reopens the overload incident when opsbook is late again after it resolved', async () => {
  const { ops, clock } = await pipeline(() => 0);
  await ops.injectCheckResult(withheld(clock.now()), probe);
  await advance(ops, clock, OVERLOAD_QUIET_MS + 2 * OVERLOAD_SAMPLE_MS);
  expect(await overloadIncident(ops)).toMatchObject({ state: 'resolved' });

  await ops.injectCheckResult(withheld(clock.now()), probe);
  const all = (await ops.incidents.list()).filter((i) => i.title.includes('overloaded'));
  expect(all).toHaveLength(1);
  expect(all[0]).toMatchObject({ state: 'triggered', reopened: 1 });

  // The watch runs again: the reopened incident resolves after another quiet period.
  await advance(ops, clock, OVERLOAD_QUIET_MS + 2 * OVERLOAD_SAMPLE_MS);
  expect(await overloadIncident(ops)).toMatchObject({ state: 'resolved' });
});

// The watch lives in memory: an overload incident open when opsbook stopped (a restart, a crash) was
// resolved by nothing until opsbook was next late and then quiet.
it('resolves an overload incident an earlier run left open once the loop has stayed quiet after the start', async () => {
  const first = await pipeline(() => 0);
  await first.ops.injectCheckResult(withheld(first.clock.now()), probe);
  expect(await overloadIncident(first.ops)).toMatchObject({ state: 'triggered' });
  await first.stop();

  const again = await pipeline(() => 0, first.clock.now() + 60_000, first.dir);
  expect(await overloadIncident(again.ops)).toMatchObject({ state: 'triggered' });
  await advance(again.ops, again.clock, OVERLOAD_QUIET_MS - OVERLOAD_SAMPLE_MS);
  expect(await overloadIncident(again.ops)).toMatchObject({ state: 'triggered' });
  await advance(again.ops, again.clock, 2 * OVERLOAD_SAMPLE_MS);
  expect(await overloadIncident(again.ops)).toMatchObject({ state: 'resolved' });
});
