import { performance } from 'node:perf_hooks';
import { parseExposition, type Sample } from '../exposition.js';
import type { SampleStore, ScrapedSample } from '../sample-store.js';
import { relabel, type LabelSet } from './relabel.js';
import type { ScrapeTarget } from './targets.js';

/** What one scrape did, for logs and tests. */
export interface ScrapeOutcome {
  up: boolean;
  error?: string;
  /** Samples in the exposition, and those left after metric relabelling. */
  scraped: number;
  stored: number;
  durationSeconds: number;
}

/**
 * Scrapes one target at instant `t` and appends its series with the target's labels, plus the
 * series Prometheus adds per scrape: `up`, `scrape_duration_seconds`, `scrape_samples_scraped`,
 * `scrape_samples_post_metric_relabeling`. A failed scrape gives up = 0 and ends every other
 * series of the target with a staleness marker, as Prometheus does.
 */
export async function scrapeTarget(samples: SampleStore, target: ScrapeTarget, t: number): Promise<ScrapeOutcome> {
  const started = performance.now();
  let body: string | undefined;
  let error: string | undefined;
  try {
    const res = await fetch(target.url, {
      headers: { accept: 'text/plain;version=0.0.4;q=1,*/*;q=0.1', 'x-prometheus-scrape-timeout-seconds': String(target.timeoutMs / 1000) },
      signal: AbortSignal.timeout(target.timeoutMs),
    });
    if (res.status !== 200) {
      error = `server returned HTTP status ${res.status} ${res.statusText}`;
      await res.body?.cancel();
    } else body = await res.text();
  } catch (e) {
    const err = e as Error;
    error = err.name === 'TimeoutError' ? `scrape timed out after ${target.timeoutMs} ms` : (err.cause as Error | undefined)?.message ?? err.message;
  }
  const durationSeconds = (performance.now() - started) / 1000;
  const series: ScrapedSample[] = [];
  let scraped = 0;
  if (body !== undefined) {
    const parsed = parseExposition(body).samples;
    scraped = parsed.length;
    for (const s of parsed) {
      const labels = relabel(withTargetLabels(s, target.labels, target.honorLabels), target.metricRelabel);
      if (labels && labels.__name__) series.push({ labels, value: s.value });
    }
  }
  const report = (name: string, value: number): ScrapedSample => ({ labels: { __name__: name, ...target.labels }, value });
  series.push(
    report('up', body !== undefined ? 1 : 0),
    report('scrape_duration_seconds', durationSeconds),
    report('scrape_samples_scraped', scraped),
    report('scrape_samples_post_metric_relabeling', series.length),
  );
  samples.appendScrape(target.key, t, series);
  return { up: body !== undefined, ...(error !== undefined ? { error } : {}), scraped, stored: series.length - 4, durationSeconds };
}

/** A scraped sample's labels with the target's: target labels win, scraped ones are kept as `exported_<name>` (unless honor_labels). */
export function withTargetLabels(s: Sample, targetLabels: LabelSet, honorLabels = false): LabelSet {
  const out: LabelSet = { ...s.labels, __name__: s.name };
  for (const [name, value] of Object.entries(targetLabels)) {
    const scraped = out[name];
    if (scraped !== undefined && scraped !== '') {
      if (honorLabels) continue;
      let exported = `exported_${name}`;
      while (out[exported] !== undefined) exported = `exported_${exported}`;
      out[exported] = scraped;
    }
    out[name] = value;
  }
  return out;
}
