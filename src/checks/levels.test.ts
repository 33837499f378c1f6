/**
 * The seeds' thresholds as checks: "Email queue > 500 jobs: Warning, > 1000 jobs: Critical"
 * (NovaPulse) and "DB connections > 80% warning, > 95% critical" (django-finance), watched
 * against a loopback stats endpoint whose numbers the test moves.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { SimulatedClock, SystemClock } from '../lib/clock.js';
import { openStore } from '../store/open.js';
import { checkSchema } from '../config/schema/checks.js';
import { validateCheckConditions } from './check-conditions.js';
import { compileCheck } from './compile.js';
import { runCheckOnce } from './run-once.js';
import { ProbeState } from './probe-state.js';
import { createCheckRunner } from './runner.js';
import { recordHeartbeat, registerHeartbeat } from './history/index.js';
import { closeHttpAgents } from './kinds/shared/http-request.js';
import type { CheckResult } from './types.js';

const stats = { queues: { email: { waiting: 100 } }, db: { connections: 40, max_connections: 100 } };

describe('levels move warning → critical → ok as the service changes', () => {
  let server: http.Server;
  let url: string;
  beforeAll(async () => {
    server = http.createServer((_req, res) => res.end(JSON.stringify(stats)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/queue/stats`;
  });
  afterAll(async () => {
    closeHttpAgents();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('raises after failure_threshold results and recovers after success_threshold', async () => {
    const check = compileCheck(
      checkSchema.parse({
        id: 'email-queue', kind: 'json', url, path: '.queues.email.waiting',
        warning: '[VALUE] > 500', critical: '[VALUE] > 1000', failure_threshold: 2, success_threshold: 1,
      }),
    );
    const clock = new SystemClock();
    const probe = new ProbeState({ failureThreshold: check.failureThreshold, successThreshold: check.successThreshold });
    const step = async (waiting: number): Promise<[string, string]> => {
      stats.queues.email.waiting = waiting;
      const r = await runCheckOnce(check, { clock });
      probe.observe(r);
      return [r.level, probe.snapshot.level];
    };
    expect(await step(100)).toEqual(['ok', 'ok']);
    expect(await step(700)).toEqual(['warning', 'ok']); // one result is not enough
    expect(await step(700)).toEqual(['warning', 'warning']);
    expect(await step(1500)).toEqual(['critical', 'warning']);
    expect(await step(1500)).toEqual(['critical', 'critical']);
    expect(await step(50)).toEqual(['ok', 'ok']);
  });

  it('reads connection utilisation as a fraction against percentage thresholds', async () => {
    const raw = { id: 'db-pool', kind: 'json', url, conditions: ['[STATUS] == 200'], warning: '[BODY].db.connections > 80', critical: '[BODY].db.connections > 95' };
    const check = compileCheck(checkSchema.parse(raw));
    const levels: string[] = [];
    for (const n of [40, 85, 97, 10]) {
      stats.db.connections = n;
      levels.push((await runCheckOnce(check, { clock: new SystemClock() })).level);
    }
    expect(levels).toEqual(['ok', 'warning', 'critical', 'ok']);
  });

  it('reports condition problems with their config path', () => {
    const configs = [
      checkSchema.parse({ id: 'a', kind: 'http', url, conditions: ['[STATUS] == 200'] }),
      checkSchema.parse({ id: 'b', kind: 'redis', url: 'redis://127.0.0.1', key: 'celery', warning: ['[LENGTH] > 100', '[LENGTH] >> 500'], critical: '[EXIT_CODE] == 1' }),
    ];
    expect(validateCheckConditions({ checks: configs })).toEqual([
      { code: 'OPSBOOK_E_CHECK_CONDITION', path: 'checks[1].warning[1]', message: expect.stringContaining('column 11') },
      { code: 'OPSBOOK_E_CHECK_PLACEHOLDER', path: 'checks[1].critical[0]', message: expect.stringContaining('[EXIT_CODE] is not filled by redis checks') },
    ]);
  });
});

describe('runner with a store: heartbeats, history, metrics', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-runner-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('fails a heartbeat check when a beat is later than period + grace, and recovers on a beat', async () => {
    const store = await openStore({ url: path.join(dir, 'r.db') });
    await store.migrate();
    const clock = new SimulatedClock(Date.UTC(2026, 0, 1));
    const results: CheckResult[] = [];
    const registry = new Registry();
    const runner = createCheckRunner({
      checks: [checkSchema.parse({ id: 'celery-beat', kind: 'heartbeat', period: '5m', grace: '1m', interval: '1m', failure_threshold: 1 })],
      clock,
      store,
      registry,
      onResult: (r) => results.push(r),
    });
    await runner.start();
    const token = await registerHeartbeat(store, 'celery-beat', clock.now());
    const settle = async (ms: number): Promise<void> => {
      for (let t = 0; t < ms; t += 60_000) {
        await clock.advance(60_000);
        await new Promise((r) => setTimeout(r, 5)); // let the store answer
      }
    };
    await settle(5 * 60_000);
    expect(results.at(-1)?.status).toBe('up');
    await settle(2 * 60_000);
    expect(results.at(-1)).toMatchObject({ status: 'down', level: 'critical' });
    expect(runner.probe('celery-beat')?.status).toBe('down');
    await recordHeartbeat(store, token, clock.now());
    await settle(60_000);
    expect(results.at(-1)?.status).toBe('up');
    await runner.stop();
    const stored = await store.db.selectFrom('check_results').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(Number(stored.n)).toBe(results.length);
    expect(await registry.getSingleMetric('opsbook_check_failures_total')!.get()).toMatchObject({ values: [{ labels: { kind: 'heartbeat' }, value: 1 }] });
    await store.close();
  });
});
