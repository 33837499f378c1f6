import type { Kysely } from 'kysely';
import type { Database } from '../database.js';

type Db = Kysely<Database>;

/** A packed chunk as the samples domain keeps it. */
export interface SampleChunkRow {
  seriesId: number;
  start: number;
  minT: number;
  maxT: number;
  count: number;
  data: Uint8Array;
}

/** Ids of series by their labels text, created on first use. */
export async function sampleSeriesIds(db: Db, labels: readonly string[], at: number): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const unique = [...new Set(labels)];
  for (let i = 0; i < unique.length; i += 500) {
    const part = unique.slice(i, i + 500);
    await db
      .insertInto('sample_series')
      .values(part.map((l) => ({ labels: l, created_at: at })))
      .onConflict((oc) => oc.column('labels').doNothing())
      .execute();
    const rows = await db.selectFrom('sample_series').select(['id', 'labels']).where('labels', 'in', part).execute();
    for (const r of rows) out.set(r.labels, Number(r.id));
  }
  return out;
}

/** Writes chunks, replacing a chunk of the same series and window (an open window is rewritten as it grows). */
export async function upsertSampleChunks(db: Db, chunks: readonly SampleChunkRow[]): Promise<void> {
  // Under SQLite's bound-parameter limit (6 a row).
  for (let i = 0; i < chunks.length; i += 150) {
    await db
      .insertInto('sample_chunks')
      .values(
        chunks.slice(i, i + 150).map((c) => ({
          series_id: c.seriesId,
          start: c.start,
          min_t: c.minT,
          max_t: c.maxT,
          count: c.count,
          data: Buffer.from(c.data.buffer, c.data.byteOffset, c.data.byteLength),
        })),
      )
      .onConflict((oc) =>
        oc.columns(['series_id', 'start']).doUpdateSet((eb) => ({
          min_t: eb.ref('excluded.min_t'),
          max_t: eb.ref('excluded.max_t'),
          count: eb.ref('excluded.count'),
          data: eb.ref('excluded.data'),
        })),
      )
      .execute();
  }
}

/** Every series with a chunk ending after `since`, and those chunks in window order. */
export async function loadSampleChunks(db: Db, since: number): Promise<{ series: Map<number, string>; chunks: SampleChunkRow[] }> {
  const chunks = (
    await db.selectFrom('sample_chunks').selectAll().where('max_t', '>', since).orderBy('series_id').orderBy('start').execute()
  ).map((r) => ({
    seriesId: Number(r.series_id),
    start: Number(r.start),
    minT: Number(r.min_t),
    maxT: Number(r.max_t),
    count: Number(r.count),
    data: new Uint8Array(r.data),
  }));
  const series = new Map<number, string>();
  const ids = [...new Set(chunks.map((c) => c.seriesId))];
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db.selectFrom('sample_series').select(['id', 'labels']).where('id', 'in', ids.slice(i, i + 500)).execute();
    for (const r of rows) series.set(Number(r.id), r.labels);
  }
  return { series, chunks };
}

/** Drops chunks whose last sample is at or before `cutoff`, and the series left without chunks; counts both. */
export async function pruneSampleChunks(db: Db, cutoff: number, keepSeries: ReadonlySet<number>): Promise<{ chunks: number; series: number }> {
  const chunks = await db.deleteFrom('sample_chunks').where('max_t', '<=', cutoff).executeTakeFirst();
  const orphans = (
    await db
      .selectFrom('sample_series')
      .select('id')
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('sample_chunks').select('series_id').whereRef('sample_chunks.series_id', '=', 'sample_series.id'))))
      .execute()
  )
    .map((r) => Number(r.id))
    .filter((id) => !keepSeries.has(id));
  for (let i = 0; i < orphans.length; i += 500) {
    await db.deleteFrom('sample_series').where('id', 'in', orphans.slice(i, i + 500)).execute();
  }
  return { chunks: Number(chunks.numDeletedRows), series: orphans.length };
}
