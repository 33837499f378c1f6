import { expect, it } from 'vitest';
import { sql } from 'kysely';
import { SimulatedClock } from '../lib/clock.js';
import { Engine, formatLabels } from '../promql/index.js';
import { describeOnStores } from '../../test/support/store-targets.js';
import { SampleStore } from './sample-store.js';

const T0 = Date.UTC(2026, 0, 1);

function vector(store: SampleStore, query: string, t: number): Record<string, number> {
  const v = new Engine(store.series()).instant(query, t);
  if (v.kind !== 'vector') throw new Error(`not a vector: ${v.kind}`);
  return Object.fromEntries(v.samples.map((s) => [formatLabels(s.metric), s.value]));
}

await describeOnStores('opsbook-samples', 'sample store', { migrate: true }, (target) => {
  it('keeps the window across a restart: closed chunks and the open window come back', async () => {
    const clock = new SimulatedClock(T0);
    let samples = await SampleStore.open(target.store, clock, { chunkMs: 10 * 60_000 });
    // 25 minutes of a counter every 15 s: two closed 10-minute windows and an open one.
    for (let i = 0; i <= 100; i++) {
      samples.append({ __name__: 'http_requests_total', job: 'api', code: '200' }, T0 + i * 15_000, i * 30);
      samples.append({ __name__: 'http_requests_total', job: 'api', code: '500' }, T0 + i * 15_000, i * 3);
    }
    await clock.advanceTo(T0 + 100 * 15_000);
    const before = vector(samples, 'sum by (code) (rate(http_requests_total[5m]))', clock.now());
    expect(Object.values(before).map((v) => Math.round(v * 1000) / 1000)).toEqual([2, 0.2]);
    await samples.stop();

    await target.reopen();
    samples = await SampleStore.open(target.store, clock, { chunkMs: 10 * 60_000 });
    expect(samples.size).toBe(2);
    expect(vector(samples, 'sum by (code) (rate(http_requests_total[5m]))', clock.now())).toEqual(before);
    expect(vector(samples, 'count_over_time(http_requests_total{code="500"}[1h])', clock.now())).toEqual({ '{code="500", job="api"}': 101 });
    // Appends continue after the restart, in the window that was open.
    expect(samples.append({ __name__: 'http_requests_total', job: 'api', code: '500' }, T0 + 101 * 15_000, 303)).toBe(true);
    expect(samples.append({ __name__: 'http_requests_total', job: 'api', code: '500' }, T0 + 50 * 15_000, 1)).toBe(false);
    await samples.stop();
    const rows = await target.store.db.selectFrom('sample_chunks').select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(rows.n)).toBe(6);
  });

  it('reports each flush the store refuses, keeps the samples and writes them at the next flush', async () => {
    await sql`delete from sample_chunks`.execute(target.store.db);
    const db = target.store.db;
    const refuse = target.name === 'sqlite'
      ? [sql`create trigger refuse_chunks before insert on sample_chunks begin select raise(abort, 'injected: sample_chunks refused'); end`]
      : [sql`create function refuse_chunks() returns trigger language plpgsql as $$ begin raise exception 'injected: sample_chunks refused'; end $$`, sql`create trigger refuse_chunks before insert on sample_chunks for each row execute function refuse_chunks()`];
    const heal = target.name === 'sqlite' ? [sql`drop trigger refuse_chunks`] : [sql`drop trigger refuse_chunks on sample_chunks`, sql`drop function refuse_chunks()`];
    const clock = new SimulatedClock(T0);
    const errors: Array<{ what: string; message: string }> = [];
    const samples = await SampleStore.open(target.store, clock, { flushMs: 15_000, onError: (what, err) => errors.push({ what, message: (err as Error).message }) });
    samples.start();
    for (const q of refuse) await q.execute(db);
    try {
      samples.append({ __name__: 'queue_depth' }, T0 + 1_000, 7);
      // The flush timer's write is refused; this one waits for it (and is refused too, to its caller).
      await clock.advanceTo(T0 + 20_000);
      await samples.flush().catch(() => undefined);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ what: 'flush', message: expect.stringContaining('injected: sample_chunks refused') });
    } finally {
      for (const q of heal) await q.execute(db);
    }
    await clock.advanceTo(T0 + 35_000);
    await samples.stop();
    expect(errors).toHaveLength(1);
    const rows = await db.selectFrom('sample_chunks').select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(rows.n)).toBe(1);
  });

  it('drops samples past the retention window, in memory and in the store', async () => {
    await sql`delete from sample_chunks`.execute(target.store.db);
    const clock = new SimulatedClock(T0);
    const samples = await SampleStore.open(target.store, clock, { retentionMs: 30 * 60_000, chunkMs: 10 * 60_000 });
    for (let i = 0; i < 8; i++) samples.append({ __name__: 'queue_depth', queue: 'q' }, T0 + i * 5 * 60_000, i);
    samples.append({ __name__: 'short_lived' }, T0, 1);
    await samples.flush();
    await clock.advanceTo(T0 + 60 * 60_000);
    await samples.prune();
    expect(samples.size).toBe(1);
    // 35 minutes is the last sample; windows ending at or before 30 minutes are gone.
    expect(vector(samples, 'count_over_time(queue_depth[2h])', clock.now())).toEqual({ '{queue="q"}': 2 });
    await samples.stop();
    const reopened = await SampleStore.open(target.store, clock, { retentionMs: 30 * 60_000, chunkMs: 10 * 60_000 });
    expect(vector(reopened, 'count_over_time(queue_depth[2h])', clock.now())).toEqual({ '{queue="q"}': 2 });
    const series = await target.store.db.selectFrom('sample_series').select('labels').execute();
    expect(series.map((s) => s.labels).filter((l) => l.includes('short_lived'))).toEqual([]);
  });
});

it('writes a staleness marker for a series that vanishes from a scrape, and for every series of a target that ends', () => {
  const clock = new SimulatedClock(T0);
  const samples = SampleStore.inMemory(clock);
  const up = (v: number) => ({ labels: { __name__: 'up', job: 'j', instance: 'a' }, value: v });
  const lag = (q: string) => ({ labels: { __name__: 'lag', job: 'j', instance: 'a', q }, value: 1 });
  samples.appendScrape('j/a', T0, [up(1), lag('x'), lag('y')]);
  samples.appendScrape('j/a', T0 + 15_000, [up(1), lag('x')]);
  expect(Object.keys(vector(samples, 'lag', T0 + 20_000))).toEqual(['lag{instance="a", job="j", q="x"}']);
  // Without the marker, y would still answer for 5 minutes of lookback.
  expect(vector(samples, 'lag offset 10s', T0 + 20_000)).toHaveProperty(['lag{instance="a", job="j", q="y"}']);
  samples.endTarget('j/a', T0 + 30_000);
  expect(vector(samples, 'lag or up', T0 + 31_000)).toEqual({});
  expect(samples.knownTargets()).toEqual([]);
});

it('takes a second sample at the same instant as the newer reading, and refuses an older one', () => {
  const clock = new SimulatedClock(T0);
  const samples = SampleStore.inMemory(clock);
  expect(samples.append({ __name__: 'free_ratio' }, T0, 0.64)).toBe(true);
  expect(samples.append({ __name__: 'free_ratio' }, T0, 0.04)).toBe(true);
  expect(samples.append({ __name__: 'free_ratio' }, T0 - 1, 0.5)).toBe(false);
  expect(vector(samples, 'free_ratio', T0)).toEqual({ 'free_ratio{}': 0.04 });
  expect(samples.counts).toEqual({ appended: 1, outOfOrder: 1 });
});

it('flushes at the new interval after a reload changes it, once per interval even when the reload comes during a flush', async () => {
  const clock = new SimulatedClock(T0);
  const samples = SampleStore.inMemory(clock, { flushMs: 60_000 });
  const flushedAt: number[] = [];
  const flush = samples.flush.bind(samples);
  let reloadDuringFlush = true;
  samples.flush = async () => {
    flushedAt.push(clock.now() - T0);
    // A reload arriving while the timer's flush is still writing (on PostgreSQL it awaits the network).
    if (reloadDuringFlush) {
      reloadDuringFlush = false;
      samples.reconfigure({ retentionMs: 3_600_000, flushMs: 10_000 });
      await new Promise((r) => setImmediate(r));
    }
    return flush();
  };
  samples.start();
  for (let t = 10_000; t <= 120_000; t += 10_000) await clock.advanceTo(T0 + t);
  const byTimer = [...flushedAt];
  await samples.stop();
  // The first at the old 60 s, then every 10 s: one flush loop, not one per reload.
  expect(byTimer).toEqual([60_000, 70_000, 80_000, 90_000, 100_000, 110_000, 120_000]);
});
