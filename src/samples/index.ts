/** Scraped samples: a bounded window of series in memory, persisted in packed chunks, read by PromQL. */
export { SampleStore, type SampleStoreOptions, type ScrapedSample } from './sample-store.js';
export { encodeChunk, decodeChunk } from './chunk.js';
