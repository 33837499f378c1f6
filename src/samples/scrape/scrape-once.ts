import http from 'node:http';
import https from 'node:https';
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
    const res = await get(target.url, { accept: 'text/plain;version=0.0.4;q=1,*/*;q=0.1', 'x-prometheus-scrape-timeout-seconds': String(target.timeoutMs / 1000) }, target.timeoutMs);
    if (res.status !== 200) error = `server returned HTTP status ${res.status} ${res.statusText}`;
    else body = res.body;
  } catch (e) {
    const err = e as Error;
    error = err.name === 'TimeoutError' || err.name === 'AbortError' ? `scrape timed out after ${target.timeoutMs} ms` : err.message;
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

/**
 * One GET of a target with node:http(s), as Prometheus sends it: to any port (Node's fetch refuses
 * the ports browsers block, 6000, 6665–6669, 10080 and the like, where an exporter may listen) and
 * without asking for compression. The body is read whole; `timeoutMs` bounds the whole exchange.
 */
function get(url: string, headers: Record<string, string>, timeoutMs: number): Promise<{ status: number; statusText: string; body: string }> {
  const signal = AbortSignal.timeout(timeoutMs);
  return new Promise((resolve, reject) => {
    const client = url.startsWith('https:') ? https : http;
    const req = client.get(url, { headers, signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', (e) => reject(signal.aborted ? Object.assign(new Error('timed out'), { name: 'TimeoutError' }) : e));
  });
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
