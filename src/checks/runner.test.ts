/**
 * A run's timeout and the runner's stop abort the same per-run signal: a timeout is a result about
 * the service (recorded), a stop is not (dropped). Against a real loopback server that never answers.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { SimulatedClock, SystemClock } from '../lib/clock.js';
import { checkSchema } from '../config/schema/checks.js';
import { compileCheck } from './compile.js';
import { createCheckRunner } from './runner.js';
import { nextSlot, phaseOf } from './scheduler/plan.js';
import { closeHttpAgents, preparedRequest } from './kinds/shared/http-request.js';
import type { CheckResult } from './types.js';

async function until(ok: () => boolean, what: string, maxMs = 60_000): Promise<void> {
  const end = Date.now() + maxMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`not within ${maxMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('check runner: timeout against stop', () => {
  let server: http.Server;
  let url: string;
  let received = 0;
  beforeAll(async () => {
    server = http.createServer(() => void received++); // never answers
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hang`;
  });
  afterAll(async () => {
    closeHttpAgents();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('records a run that timed out', async () => {
    const check = compileCheck(checkSchema.parse({ id: 'hangs', kind: 'http', url, interval: '1s', timeout: '200ms' }));
    const results: CheckResult[] = [];
    const runner = createCheckRunner({ checks: [check], clock: new SystemClock(), registry: new Registry(), onResult: (r) => results.push(r) });
    await runner.start();
    try {
      await until(() => results.length > 0, 'a result of the timed-out run');
    } finally {
      await runner.stop();
    }
    // Down, or unknown when this process's own loop was late meanwhile; a timeout either way.
    expect(['down', 'unknown']).toContain(results[0]!.status);
    expect(results[0]!.error).toMatch(/timeout after 200ms/);
  });

  it('drops a run the stop aborted', async () => {
    // A run that outlasts the stop: its timeout past the interval, which config refuses, set on the compiled check.
    const check = { ...compileCheck(checkSchema.parse({ id: 'hangs-long', kind: 'http', url, interval: '1s', timeout: '1s' })), timeoutMs: 60_000 };
    const results: CheckResult[] = [];
    const runner = createCheckRunner({ checks: [check], clock: new SystemClock(), onResult: (r) => results.push(r) });
    const before = received;
    await runner.start();
    await until(() => received > before, 'the request reached the server');
    await runner.stop();
    expect(results).toEqual([]);
  });

  it('releases what each kind keeps in its check state when it stops, with the state its runs were given', async () => {
    const compiled = compileCheck(checkSchema.parse({ id: 'kept', kind: 'http', url, interval: '1s', timeout: '100ms' }));
    const released: Record<string, unknown>[] = [];
    const seen: Record<string, unknown>[] = [];
    const check = {
      ...compiled,
      impl: {
        ...compiled.impl,
        run: (config: never, ctx: { state: Record<string, unknown> }) => ((ctx.state.kept = true), seen.push(ctx.state), compiled.impl.run(config, ctx as never)),
        release: (state: Record<string, unknown>) => void released.push(state),
      },
    } as typeof compiled;
    const results: CheckResult[] = [];
    const runner = createCheckRunner({ checks: [check], clock: new SystemClock(), onResult: (r) => results.push(r) });
    await runner.start();
    try {
      await until(() => results.length > 0, 'a first result');
      expect(released).toEqual([]);
    } finally {
      await runner.stop();
    }
    expect(released).toHaveLength(1);
    expect(released[0]).toBe(seen[0]);
    expect(released[0]).toMatchObject({ kept: true });
  });
});

describe('check runner start', () => {
  it("prepares every check's request while it starts, before any first run", async () => {
    const clock = new SimulatedClock(Date.UTC(2026, 0, 1, 12));
    const events: string[] = [];
    const list = Array.from({ length: 2500 }, (_, i) => {
      const compiled = compileCheck(checkSchema.parse({ id: `c-${i}`, kind: 'http', url: `http://127.0.0.1:9/c/${i}`, interval: '10s' }));
      return {
        ...compiled,
        impl: {
          ...compiled.impl,
          prepare: (config: never) => (events.push('prepare'), compiled.impl.prepare!(config)),
          run: async () => (events.push('run'), { values: { STATUS: 200 } }),
        },
      } as typeof compiled;
    });
    const runner = createCheckRunner({ checks: list, clock });
    await runner.start();
    try {
      expect(events).toEqual(new Array(2500).fill('prepare'));
      // The request the first run sends is the one prepared: nothing is built again.
      for (const c of list) expect(preparedRequest(c.config, () => expect.unreachable('built again at the run'))).toBeDefined();
      // Every check's first run within one interval of the start.
      await clock.advance(10_000 - 1);
      expect(events.filter((e) => e === 'run')).toHaveLength(2500);
    } finally {
      await runner.stop();
    }
  });

  it('starts nothing when it is stopped while it starts', async () => {
    const clock = new SimulatedClock(Date.UTC(2026, 0, 1, 12));
    let runs = 0;
    const list = Array.from({ length: 2500 }, (_, i) => {
      const compiled = compileCheck(checkSchema.parse({ id: `s-${i}`, kind: 'http', url: `http://127.0.0.1:9/s/${i}`, interval: '10s' }));
      return { ...compiled, impl: { ...compiled.impl, run: async () => (runs++, { values: { STATUS: 200 } }) } } as typeof compiled;
    });
    // The start yields while it prepares 2,500 checks: the stop (or the removal of them all, when a lease passed on) comes in between.
    for (const end of ['stop', 'remove'] as const) {
      const runner = createCheckRunner({ checks: list, clock });
      const starting = runner.start();
      await (end === 'stop' ? runner.stop() : runner.remove(list.map((c) => c.id)));
      await starting;
      await clock.advance(60_000);
      expect(runs, end).toBe(0);
      expect(clock.pendingTimers(), end).toBe(0);
      await runner.stop();
    }
  });

  it('adds checks while it runs, each prepared then run at its phase; one removed while it is added never runs', async () => {
    const clock = new SimulatedClock(Date.UTC(2026, 0, 1, 12));
    const events: string[] = [];
    const check = (id: string) => {
      const compiled = compileCheck(checkSchema.parse({ id, kind: 'http', url: `http://127.0.0.1:9/${id}`, interval: '10s' }));
      return {
        ...compiled,
        impl: { ...compiled.impl, prepare: () => void events.push(`prepare ${id}`), run: async () => (events.push(`run ${id}`), { values: { STATUS: 200 } }) },
      } as typeof compiled;
    };
    const results: CheckResult[] = [];
    const runner = createCheckRunner({ checks: [check('first')], clock, onResult: (r) => results.push(r) });
    await runner.start();
    await clock.advance(10_000);
    const adding = runner.add([check('added'), check('dropped')]);
    await runner.remove(['dropped']);
    await adding;
    const addedAt = clock.now();
    await clock.advance(20_000 - 1);
    await runner.stop();
    expect(events.filter((e) => e.endsWith('dropped'))).toEqual(['prepare dropped']);
    expect(events.indexOf('prepare added')).toBeLessThan(events.indexOf('run added'));
    const phase = phaseOf('added', 10_000, 50);
    expect(results.filter((r) => r.checkId === 'added').map((r) => r.at)).toEqual([0, 1].map((k) => nextSlot(addedAt, phase, 10_000) + k * 10_000));
    expect(results.filter((r) => r.checkId === 'first')).toHaveLength(3);
    expect(runner.probe('dropped')).toBeUndefined();
    expect(runner.scheduler.size).toBe(2);
  });
});
