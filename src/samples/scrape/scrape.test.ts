import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../lib/clock.js';
import { scrapeJob } from '../../config/schema/scrape.js';
import { Engine, formatLabels } from '../../promql/index.js';
import { SampleStore } from '../sample-store.js';
import { Scraper } from './scraper.js';
import { relabel } from './relabel.js';

const T0 = Date.UTC(2026, 0, 1);

interface Exporter {
  server: http.Server;
  address: string;
  body: string;
  status: number;
  requests: string[];
}

async function exporter(body: string): Promise<Exporter> {
  const e = { body, status: 200, requests: [] as string[] } as Exporter;
  e.server = http.createServer((req, res) => {
    e.requests.push(req.url ?? '');
    res.statusCode = e.status;
    res.end(e.body);
  });
  await new Promise<void>((r) => e.server.listen(0, '127.0.0.1', r));
  e.address = `127.0.0.1:${(e.server.address() as AddressInfo).port}`;
  return e;
}

async function close(e: Exporter): Promise<void> {
  e.server.closeAllConnections();
  await new Promise((r) => e.server.close(r));
}

function vector(samples: SampleStore, query: string, t: number): Record<string, number> {
  const v = new Engine(samples.series()).instant(query, t);
  if (v.kind !== 'vector') throw new Error(`not a vector: ${v.kind}`);
  return Object.fromEntries(v.samples.map((s) => [formatLabels(s.metric), s.value]));
}

describe('scrape jobs', () => {
  let a: Exporter;
  let b: Exporter;
  beforeAll(async () => {
    a = await exporter('');
    b = await exporter('');
  });
  afterAll(async () => {
    await close(a);
    await close(b);
  });

  it('scrapes each target on its interval with job, instance, static and relabelled labels, up and scrape_duration_seconds', async () => {
    a.body = '# TYPE http_requests_total counter\nhttp_requests_total{code="200",instance="inner"} 100\nhttp_requests_total{code="500"} 5\ngo_goroutines 12\n';
    b.body = 'http_requests_total{code="200"} 10\nnoise_total{pod="p1"} 1\n';
    const clock = new SimulatedClock(T0);
    const samples = SampleStore.inMemory(clock);
    const job = scrapeJob.parse({
      job: 'api',
      interval: '15s',
      params: { format: ['prometheus'] },
      static_configs: [
        { targets: [a.address], labels: { env: 'prod', team: 'payments' } },
        { targets: [b.address], labels: { env: 'staging' } },
      ],
      relabel_configs: [
        { source_labels: ['__address__'], regex: '([^:]+):\\d+', target_label: 'host', replacement: 'host-$1' },
        { source_labels: ['env'], regex: 'prod', action: 'keep' },
      ],
      metric_relabel_configs: [
        { source_labels: ['__name__'], regex: 'go_.*', action: 'drop' },
        { regex: 'team', action: 'labeldrop' },
        { regex: 'exported_(.*)', replacement: 'orig_$1', action: 'labelmap' },
      ],
    });
    const scraper = new Scraper({ samples, clock, jobs: [job] });
    scraper.start();
    // keep on env=prod dropped the staging target before any scrape.
    expect(scraper.targets().map((t) => t.labels)).toEqual([{ job: 'api', env: 'prod', team: 'payments', host: 'host-127.0.0.1', instance: a.address }]);
    await clock.advance(15_000, () => scraper.settled());
    a.body = a.body.replace(' 100', ' 130').replace(' 5\n', ' 8\n');
    await clock.advance(15_000, () => scraper.settled());
    const t = clock.now();
    expect(a.requests[0]).toBe('/metrics?format=prometheus');
    expect(b.requests).toEqual([]);
    const base = `env="prod", host="host-127.0.0.1", instance="${a.address}", job="api"`;
    // The series a scrape reports about itself carry the target labels; metric relabelling (labeldrop team) is for scraped series.
    const target = `${base}, team="payments"`;
    expect(vector(samples, 'up', t)).toEqual({ [`up{${target}}`]: 1 });
    expect(Object.keys(vector(samples, 'scrape_duration_seconds', t))).toEqual([`scrape_duration_seconds{${target}}`]);
    expect(vector(samples, 'scrape_samples_post_metric_relabeling', t)).toEqual({ [`scrape_samples_post_metric_relabeling{${target}}`]: 2 });
    // The scraped instance="inner" clashed with the target's instance: kept as exported_instance, then labelmap copied it.
    expect(vector(samples, 'irate(http_requests_total[1m])', t)).toEqual({
      [`{code="200", env="prod", exported_instance="inner", host="host-127.0.0.1", instance="${a.address}", job="api", orig_instance="inner"}`]: 2,
      [`{code="500", ${base}}`]: 0.2,
    });
    expect(vector(samples, 'go_goroutines', t)).toEqual({});
    await scraper.stop();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('marks series stale when they vanish, when the scrape fails (up 0) and when the target leaves the config', async () => {
    a.body = 'queue_depth{queue="emails"} 3\nqueue_depth{queue="reports"} 4\n';
    const clock = new SimulatedClock(T0);
    const samples = SampleStore.inMemory(clock);
    const job = scrapeJob.parse({ job: 'worker', interval: '10s', targets: [a.address, b.address] });
    b.body = 'queue_depth{queue="b"} 1\n';
    const scraper = new Scraper({ samples, clock, jobs: [job] });
    scraper.start();
    await clock.advance(10_000, () => scraper.settled());
    expect(Object.keys(vector(samples, 'queue_depth', clock.now()))).toHaveLength(3);

    a.body = 'queue_depth{queue="emails"} 3\n';
    await clock.advance(10_000, () => scraper.settled());
    expect(Object.keys(vector(samples, `queue_depth{instance="${a.address}"}`, clock.now()))).toEqual([
      `queue_depth{instance="${a.address}", job="worker", queue="emails"}`,
    ]);

    a.status = 503;
    await clock.advance(10_000, () => scraper.settled());
    expect(vector(samples, 'up', clock.now())).toEqual({
      [`up{instance="${a.address}", job="worker"}`]: 0,
      [`up{instance="${b.address}", job="worker"}`]: 1,
    });
    expect(Object.keys(vector(samples, 'queue_depth', clock.now()))).toEqual([`queue_depth{instance="${b.address}", job="worker", queue="b"}`]);
    a.status = 200;

    scraper.reload([scrapeJob.parse({ job: 'worker', interval: '10s', targets: [a.address] })]);
    await clock.advance(1);
    expect(vector(samples, `up{instance="${b.address}"} or queue_depth{instance="${b.address}"}`, clock.now())).toEqual({});
    await scraper.stop();
  });
});

describe('relabel', () => {
  const cfg = (c: Record<string, unknown>) => scrapeJob.parse({ job: 'j', targets: ['h:1'], relabel_configs: [c] }).relabel_configs;

  it('replace writes the expanded replacement, and an empty result removes the label', () => {
    expect(relabel({ a: 'x-1', b: 'y' }, cfg({ source_labels: ['a', 'b'], regex: '(\\w)-(\\d);(.*)', target_label: 'c', replacement: '${3}$1$2' }))).toEqual({ a: 'x-1', b: 'y', c: 'yx1' });
    expect(relabel({ a: 'x', c: 'old' }, cfg({ source_labels: ['missing'], target_label: 'c', replacement: '$1' }))).toEqual({ a: 'x' });
    expect(relabel({ a: 'x' }, cfg({ source_labels: ['a'], regex: 'nomatch', target_label: 'c' }))).toEqual({ a: 'x' });
  });

  it('keep and drop match the whole joined value', () => {
    expect(relabel({ a: 'prod-1' }, cfg({ source_labels: ['a'], regex: 'prod', action: 'keep' }))).toBeUndefined();
    expect(relabel({ a: 'prod-1' }, cfg({ source_labels: ['a'], regex: 'prod.*', action: 'drop' }))).toBeUndefined();
  });

  it('labelkeep, labelmap and lowercase', () => {
    expect(relabel({ __name__: 'm', a: '1', b: '2' }, cfg({ regex: '__name__|a', action: 'labelkeep' }))).toEqual({ __name__: 'm', a: '1' });
    expect(relabel({ __meta_x: 'v' }, cfg({ regex: '__meta_(.+)', action: 'labelmap' }))).toEqual({ __meta_x: 'v', x: 'v' });
    expect(relabel({ a: 'MiXed' }, cfg({ source_labels: ['a'], target_label: 'b', action: 'lowercase' }))).toEqual({ a: 'MiXed', b: 'mixed' });
  });
});
