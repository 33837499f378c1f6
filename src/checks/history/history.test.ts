/** Check history on SQLite and on PostgreSQL: batched writes, rollups, windows, retention, heartbeats. */
import { beforeAll, expect, it } from 'vitest';
import { sql } from 'kysely';
import { listResults } from '../../store/repos/check-history.js';
import { SimulatedClock } from '../../lib/clock.js';
import { describeOnStores } from '../../../test/support/store-targets.js';
import { HistoryWriter, heartbeatReader, latencyPercentiles, recordHeartbeat, registerHeartbeat, rollupAndRetain, uptime, windowStats } from './index.js';
import type { CheckResult } from '../types.js';
import { scaled } from '../../../test/support/timing.js';

const T0 = Date.UTC(2026, 0, 1);
const H = 3_600_000;

/** A run every 30 s for 26 h: down for the whole of hour 5, 10% of runs slow (400 ms). */
function timeline(checkId: string): CheckResult[] {
  const out: CheckResult[] = [];
  for (let at = T0; at < T0 + 26 * H; at += 30_000) {
    const i = out.length;
    const down = at >= T0 + 5 * H && at < T0 + 6 * H;
    out.push({ checkId, kind: 'http', at, status: down ? 'down' : 'up', level: down ? 'critical' : 'ok', latencyMs: i % 10 === 0 ? 400 : 20, value: i % 100, conditions: [], ...(down ? { error: 'connect ECONNREFUSED 10.0.0.1:443' } : {}) });
  }
  return out;
}

await describeOnStores('opsbook-hist', 'check history', { migrate: true }, (target) => {
  const clock = new SimulatedClock(T0 + 26 * H + 5 * 60_000);

  beforeAll(async () => {
    const writer = new HistoryWriter({ store: target.store, clock, maxBatch: 1000 });
    for (const r of [...timeline('api'), ...timeline('db')]) writer.record(r);
    writer.record({ checkId: 'api', kind: 'metrics', at: T0 + 1, status: 'up', level: 'ok', latencyMs: 1, pending: 'first scrape', conditions: [] });
    await writer.flush();
  });

  it('stores every result with status, level, latency, value and error text', async () => {
    const rows = await listResults(target.store.db, 'api', { from: T0 + 5 * H, to: T0 + 5 * H + 60_000 });
    expect(rows).toEqual([
      { at: T0 + 5 * H + 30_000, down: true, level: 2, unknown: false, latencyMs: 20, value: 1, error: 'connect ECONNREFUSED 10.0.0.1:443' },
      { at: T0 + 5 * H, down: true, level: 2, unknown: false, latencyMs: 400, value: 0, error: 'connect ECONNREFUSED 10.0.0.1:443' },
    ]);
    expect((await listResults(target.store.db, 'api', { to: T0 + 30_000 })).map((r) => r.at)).toEqual([T0]);
  });

  it('prepares the keys of checks before their first results, once, and writes through them', async () => {
    const writer = new HistoryWriter({ store: target.store, clock });
    const ids = Array.from({ length: 1200 }, (_, i) => `prepared-${i}`);
    await writer.prepare(ids);
    const count = async (): Promise<number> => Number((await target.store.db.selectFrom('check_keys').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const before = await count();
    await writer.prepare(ids);
    expect(await count()).toBe(before);
    writer.record({ checkId: 'prepared-7', kind: 'http', at: T0 + 7, status: 'up', level: 'ok', latencyMs: 3, conditions: [] });
    await writer.flush();
    expect(await count()).toBe(before);
    expect((await listResults(target.store.db, 'prepared-7')).map((r) => r.at)).toEqual([T0 + 7]);
  });

  it('writes each result under the lease it was recorded with: fencing judges that one, not a later one', async () => {
    const seen: string[] = [];
    const writer = new HistoryWriter({
      store: target.store,
      clock,
      // Only epoch 2 of the lease is held now.
      admit: async (_trx, results) => (seen.push(...results.map((r) => `${r.checkId}@${r.lease?.epoch}`)), results.filter((r) => r.lease?.epoch === 2)),
    });
    const result = (at: number): CheckResult => ({ checkId: 'leased', kind: 'http', at, status: 'up', level: 'ok', latencyMs: 3, conditions: [] });
    writer.record(result(T0 + 1), { lease: 'checks/00', epoch: 1 });
    writer.record(result(T0 + 2), { lease: 'checks/00', epoch: 2 });
    await writer.flush();
    expect(seen).toEqual(['leased@1', 'leased@2']);
    expect((await listResults(target.store.db, 'leased')).map((r) => r.at)).toEqual([T0 + 2]);
  });

  it('records why a run without an error was down: the conditions that did not hold, as written', async () => {
    const writer = new HistoryWriter({ store: target.store, clock });
    const conditions = [
      { list: 'conditions' as const, text: '[STATUS] == 200', ok: false, actual: '500' },
      { list: 'conditions' as const, text: '[RESPONSE_TIME] < 300', ok: true, actual: '12' },
      { list: 'critical' as const, text: '[BODY].queue > 10', ok: false, actual: '3' },
    ];
    writer.record({ checkId: 'conditions-only', kind: 'http', at: T0 + 1, status: 'down', level: 'critical', latencyMs: 12, conditions });
    writer.record({ checkId: 'conditions-only', kind: 'http', at: T0 + 2, status: 'up', level: 'ok', latencyMs: 12, conditions: [{ ...conditions[0]!, ok: true }] });
    await writer.flush();
    const rows = await listResults(target.store.db, 'conditions-only');
    expect(rows.map((r) => [r.at, r.down, r.error])).toEqual([
      [T0 + 2, false, null],
      [T0 + 1, true, 'failed: [STATUS] == 200'],
    ]);
  });

  it('finds each check\'s newest stored run that failed with a reason, past newer good and withheld runs', async () => {
    const writer = new HistoryWriter({ store: target.store, clock });
    const run = (checkId: string, at: number, status: 'up' | 'down' | 'unknown', error?: string): CheckResult => ({ checkId, kind: 'http', at, status, level: status === 'down' ? 'critical' : 'ok', latencyMs: 3, conditions: [], ...(error ? { error } : {}) });
    for (const r of [
      run('failed-then-fine', T0 + 1, 'down', 'connect ECONNREFUSED 127.0.0.1:1'),
      run('failed-then-fine', T0 + 2, 'down', 'timeout after 5000 ms'),
      run('failed-then-fine', T0 + 3, 'up'),
      run('failed-then-fine', T0 + 4, 'unknown', 'opsbook was too slow to time this run'),
      run('never-failed', T0 + 1, 'up'),
    ]) writer.record(r);
    await writer.flush();
    const found = await writer.failures(['failed-then-fine', 'never-failed', 'no-such-check']);
    expect([...found]).toEqual([['failed-then-fine', { at: T0 + 2, text: 'timeout after 5000 ms' }]]);
  });

  it('rolls up minutes, hours and days, and answers windows from rollups alone', async () => {
    // The pass works through the checks a chunk at a time and lets the event loop run in between
    // (probes' socket events must not wait behind one long statement): 1,200+ checks in chunks of 100.
    let turns = 0;
    let counting = true;
    const count = (): void => {
      turns++;
      if (counting) setImmediate(count);
    };
    setImmediate(count);
    const { rolled } = await rollupAndRetain(target.store, clock.now(), { rawMs: 400 * 86_400_000, chunkKeys: 100 });
    counting = false;
    expect(turns).toBeGreaterThanOrEqual(12);
    expect(rolled).toMatchObject({ minute: 26 * 60 + 3, hour: 26, day: 1 }); // up to 2 min before now
    // Drop the raw rows the rollups cover: the answers below must come from rollups.
    await target.store.db.deleteFrom('check_results').where('at', '<', T0 + 26 * H).execute();
    expect(await uptime(target.store, 'api', T0, T0 + 26 * H)).toBeCloseTo(25 / 26, 10);
    expect(await uptime(target.store, 'api', T0 + 4 * H + 30 * 60_000, T0 + 6 * H + 30 * 60_000)).toBeCloseTo(0.5, 10);
    const stats = await windowStats(target.store, 'db', T0, T0 + 26 * H);
    expect(stats).toMatchObject({ count: 26 * 120, failures: 120, valueMin: 0, valueMax: 99 });
    const p = await latencyPercentiles(target.store, 'api', T0, T0 + 26 * H);
    expect(p.p50).toBeGreaterThan(10);
    expect(p.p50).toBeLessThanOrEqual(25);
    expect(p.p95).toBeGreaterThan(250);
    expect(p.p95).toBeLessThanOrEqual(500);
    expect(await uptime(target.store, 'unknown', T0, T0 + H)).toBeUndefined();
  });

  it('resumes from its marks and deletes what is past retention', async () => {
    const again = await rollupAndRetain(target.store, clock.now(), { rawMs: 400 * 86_400_000 });
    expect(again.rolled).toEqual({});
    const later = clock.now() + 410 * 86_400_000;
    const { deleted } = await rollupAndRetain(target.store, later);
    expect(deleted).toBeGreaterThan(0);
    const left = await target.store.db.selectFrom('check_rollups').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(Number(left.n)).toBe(0);
  });

  it('keeps a secret token per heartbeat check and records beats by it', async () => {
    const token = await registerHeartbeat(target.store, 'backup-cron', T0);
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(await registerHeartbeat(target.store, 'backup-cron', T0 + 5)).toBe(token);
    const reader = heartbeatReader(target.store);
    expect(await reader.lastBeat('backup-cron')).toEqual({ failed: false, since: T0 });
    expect(await recordHeartbeat(target.store, token, T0 + H, true)).toBe('backup-cron');
    expect(await reader.lastBeat('backup-cron')).toEqual({ at: T0 + H, failed: true, since: T0 });
    await expect(recordHeartbeat(target.store, 'guess', T0)).rejects.toMatchObject({ code: 'OPSBOOK_E_HEARTBEAT_UNKNOWN' });
  });

  it('stores the settled probe state a result changed, the last of a batch, and only with an admitted result', async () => {
    const writer = new HistoryWriter({ store: target.store, clock });
    const run = (checkId: string, at: number, down: boolean): CheckResult => ({ checkId, kind: 'http', at, status: down ? 'down' : 'up', level: down ? 'critical' : 'ok', latencyMs: 5, conditions: [] });
    writer.record(run('settle-a', T0, true), undefined, { down: true, level: 2 });
    writer.record(run('settle-a', T0 + 1, false), undefined, { down: false, level: 0 });
    writer.record(run('settle-a', T0 + 2, true), undefined, { down: true, level: 1 });
    writer.record(run('settle-b', T0, true));
    await writer.flush();
    expect(await writer.settled(['settle-a', 'settle-b', 'never-run'])).toEqual(new Map([['settle-a', { down: true, level: 1 }]]));

    // A result fencing refuses (its process lost the lease) changes no stored state.
    const fenced = new HistoryWriter({ store: target.store, clock, admit: async (_trx, rs) => rs.filter((r) => r.checkId !== 'settle-a') });
    fenced.record(run('settle-a', T0 + 3, false), undefined, { down: false, level: 0 });
    fenced.record(run('settle-b', T0 + 3, false), undefined, { down: null, level: 0 });
    await fenced.flush();
    expect(await fenced.settled(['settle-a', 'settle-b'])).toEqual(
      new Map([
        ['settle-a', { down: true, level: 1 }],
        ['settle-b', { down: null, level: 0 }],
      ]),
    );
  });

  it('writes a settled change at once with what is buffered, fenced as the batch is, without waiting for the next flush', async () => {
    // The flush is an hour away and the clock never moves: only the prompt write stores anything.
    const writer = new HistoryWriter({ store: target.store, clock, flushEveryMs: H, admit: async (_trx, rs) => rs.filter((r) => r.checkId !== 'prompt-fenced') });
    const run = (checkId: string, at: number, down: boolean): CheckResult => ({ checkId, kind: 'http', at, status: down ? 'down' : 'up', level: down ? 'critical' : 'ok', latencyMs: 5, conditions: [] });
    writer.record(run('prompt-a', T0, true));
    writer.record(run('prompt-fenced', T0, true), undefined, { down: true, level: 2 });
    writer.record(run('prompt-a', T0 + 1, true), undefined, { down: true, level: 2 });
    await expect.poll(() => writer.settled(['prompt-a']), { timeout: scaled(10_000), interval: 20 }).toEqual(new Map([['prompt-a', { down: true, level: 2 }]]));
    expect(writer.buffered).toBe(0);
    // The results buffered before it went with it; the one fencing refused changed nothing.
    expect((await listResults(target.store.db, 'prompt-a')).map((r) => r.at)).toEqual([T0 + 1, T0]);
    expect(await writer.settled(['prompt-fenced'])).toEqual(new Map());
    // A result that changes no settled state waits for the flush.
    writer.record(run('prompt-a', T0 + 2, true));
    await new Promise((r) => setTimeout(r, 50));
    expect(writer.buffered).toBe(1);
    await writer.flush();
  });

  it('holds a better settled state back until the rules have seen the worse one, then writes it at once', async () => {
    // The flush is an hour away and the clock never moves: only the prompt writes store anything.
    const writer = new HistoryWriter({ store: target.store, clock, flushEveryMs: H });
    const run = (checkId: string, at: number, down: boolean): CheckResult => ({ checkId, kind: 'http', at, status: down ? 'down' : 'up', level: down ? 'critical' : 'ok', latencyMs: 5, conditions: [] });
    const up = { down: false, level: 0 } as const;
    const down = { down: true, level: 2 } as const;
    writer.record(run('held-a', T0, false), undefined, up);
    writer.record(run('held-a', T0 + 1, true), undefined, down, true);
    await writer.flush();
    writer.record(run('held-a', T0 + 2, false), undefined, up);
    await writer.flush();
    // The recovery's result is stored, its settled state is not: the rules have not seen the failure.
    expect((await listResults(target.store.db, 'held-a')).map((r) => r.at)).toEqual([T0 + 2, T0 + 1, T0]);
    expect(await writer.settled(['held-a'])).toEqual(new Map([['held-a', down]]));
    // Seen, an older result releases nothing; the failure does, written with no result of its own.
    await writer.rulesSaw('held-a', T0);
    expect(await writer.settled(['held-a'])).toEqual(new Map([['held-a', down]]));
    await writer.rulesSaw('held-a', T0 + 1);
    expect(await writer.settled(['held-a'])).toEqual(new Map([['held-a', up]]));
    expect((await listResults(target.store.db, 'held-a')).map((r) => r.at)).toEqual([T0 + 2, T0 + 1, T0]);

    // A stored state worse than ok that the rules are catching up with holds the check's recovery back the same way.
    writer.record(run('held-b', T0, true), undefined, down);
    await writer.flush();
    writer.awaitRules('held-b', T0, down);
    writer.record(run('held-b', T0 + 1, false), undefined, up);
    await writer.flush();
    expect(await writer.settled(['held-b'])).toEqual(new Map([['held-b', down]]));
    await writer.rulesSaw('held-b', T0);
    expect(await writer.settled(['held-b'])).toEqual(new Map([['held-b', up]]));

    // Failing again before the rules saw the first failure: written (no better), and the newer one is what they must see.
    writer.record(run('held-c', T0, true), undefined, down, true);
    writer.record(run('held-c', T0 + 1, false), undefined, up);
    writer.record(run('held-c', T0 + 2, true), undefined, down, true);
    writer.record(run('held-c', T0 + 3, false), undefined, up);
    await writer.flush();
    await writer.rulesSaw('held-c', T0);
    expect(await writer.settled(['held-c'])).toEqual(new Map([['held-c', down]]));
    await writer.rulesSaw('held-c', T0 + 2);
    expect(await writer.settled(['held-c'])).toEqual(new Map([['held-c', up]]));
  });

  it('keeps a batch the store refuses and writes it, settled state included, at the next flush', async () => {
    const db = target.store.db;
    const refuse = target.name === 'sqlite'
      ? [sql`create trigger refuse_results before insert on check_results begin select raise(abort, 'injected: check_results refused'); end`]
      : [sql`create function refuse_results() returns trigger language plpgsql as $$ begin raise exception 'injected: check_results refused'; end $$`, sql`create trigger refuse_results before insert on check_results for each row execute function refuse_results()`];
    const heal = target.name === 'sqlite' ? [sql`drop trigger refuse_results`] : [sql`drop trigger refuse_results on check_results`, sql`drop function refuse_results()`];
    const errors: unknown[] = [];
    const clock = new SimulatedClock(T0);
    const writer = new HistoryWriter({ store: target.store, clock, flushEveryMs: 1000, onError: (e) => errors.push(e) });
    const run = (at: number, down: boolean): CheckResult => ({ checkId: 'refused-a', kind: 'http', at, status: down ? 'down' : 'up', level: down ? 'critical' : 'ok', latencyMs: 5, conditions: [] });
    for (const q of refuse) await q.execute(db);
    try {
      writer.record(run(T0, false));
      writer.record(run(T0 + 1, true), undefined, { down: true, level: 2 });
      await writer.flush();
      expect(errors).toHaveLength(1);
      expect(String(errors[0])).toContain('injected: check_results refused');
    } finally {
      for (const q of heal) await q.execute(db);
    }
    // No result comes meanwhile: the flush timer writes what was kept.
    await clock.advanceTo(T0 + 2_000);
    await writer.flush();
    expect(errors).toHaveLength(1);
    expect((await listResults(db, 'refused-a')).map((r) => r.at)).toEqual([T0 + 1, T0]);
    expect(await writer.settled(['refused-a'])).toEqual(new Map([['refused-a', { down: true, level: 2 }]]));
  });
});
