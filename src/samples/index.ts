/** Scraped samples: a bounded window of series in memory, persisted in packed chunks, read by PromQL. */
export { SampleStore, type SampleStoreOptions, type ScrapedSample } from './sample-store.js';
export { encodeChunk, decodeChunk } from './chunk.js';
export { parseExposition, type Exposition, type Sample } from './exposition.js';
export { Scraper, type ScraperOptions } from './scrape/scraper.js';
export { jobTargets, type ScrapeTarget } from './scrape/targets.js';
export { scrapeTarget, type ScrapeOutcome } from './scrape/scrape-once.js';
export { relabel } from './scrape/relabel.js';
export { withTargetLabels } from './scrape/scrape-once.js';
export { scopedSource } from './scoped.js';
