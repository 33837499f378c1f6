import type { Generated } from 'kysely';

/** A scraped series: its label set as JSON of sorted [name, value] pairs. */
export interface SampleSeriesTable {
  id: Generated<number>;
  labels: string;
  created_at: number;
}

/** One series' samples of one chunk window, packed (src/samples/chunk.ts). */
export interface SampleChunksTable {
  series_id: number;
  /** Start of the chunk window (epoch ms). */
  start: number;
  min_t: number;
  max_t: number;
  count: number;
  data: Uint8Array;
}

export interface SampleTables {
  sample_series: SampleSeriesTable;
  sample_chunks: SampleChunksTable;
}
