/**
 * The whole path a team's Prometheus rules take in opsbook, with no test-supplied series: a real
 * exporter on loopback is scraped by a `scrape:` job into the daemon's sample store; a recording
 * rule writes its result back into the store; an alerting rule over the recorded series opens an
 * incident with its severity and procedure, and resolves when the exporter's number falls.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/lib/clock.js';
import { Engine } from '../../src/promql/index.js';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { scaled } from '../support/timing.js';

const MINUTE = 60_000;

const RULES = `groups:
  - name: queues
    interval: 30s
    rules:
      - record: job:queue_depth:max
        expr: max by (job) (queue_depth)
      - alert: QueueBacklog
        expr: job:queue_depth:max > 100
        for: 2m
        labels:
          severity: critical
        annotations:
          summary: "{{ $labels.job }} holds {{ $value }} jobs"
          runbook: runbooks/queue.md#RB-7
`;

const RUNBOOK = '# Queues\n\n## RB-7: Queue backlog\n\n**Diagnosis:**\n\n1. Look at the queue\n\n```bash\necho ok\n```\n';

describe('scrape: → recording rule → alerting rule → incident', () => {
  let exporter: http.Server;
  let depth = 5;
  let scrapes = 0;
  let server: DaemonApp;
  let clock: SimulatedClock;

  beforeAll(async () => {
    exporter = http.createServer((_req, res) => {
      scrapes++;
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(`# TYPE queue_depth gauge\nqueue_depth{queue="emails"} ${depth}\nqueue_depth{queue="sms"} 1\n`);
    });
    await new Promise<void>((r) => exporter.listen(0, '127.0.0.1', r));
    const target = `127.0.0.1:${(exporter.address() as AddressInfo).port}`;
    clock = new SimulatedClock(Math.floor(Date.now() / MINUTE) * MINUTE);
    const ops = `scrape:\n  - job: worker\n    interval: 15s\n    targets: ["${target}"]\nrule_files: [rules/*.yml]\nrunbooks:\n  files: [runbooks/*.md]\n`;
    server = await startDaemonApp('rule-files-scrape', { 'ops.yaml': ops, 'rules/queue.yml': RULES, 'runbooks/queue.md': RUNBOOK }, { clock });
  }, scaled(60_000));
  afterAll(async () => {
    await server?.close();
    await new Promise((r) => exporter?.close(r));
  });

  /**
   * Moves the clock in 15 s steps, waiting each time until the scrape it launched has been appended to
   * the sample store (not merely answered by the exporter) and the pipeline has handled what followed.
   */
  async function advance(ms: number): Promise<void> {
    for (let t = 0; t < ms; t += 15_000) {
      await clock.advance(15_000, async () => {
        await server.daemon.scraper!.settled();
        await server.daemon.operations!.settle(scaled(2_000));
      });
      await server.daemon.scraper!.settled();
      await server.daemon.operations!.settle(scaled(2_000));
    }
  }

  const incidents = () => server.daemon.store.db.selectFrom('incidents').select(['state', 'severity', 'runbook', 'title']).execute();

  it('opens the incident from scraped numbers and resolves it when they fall', async () => {
    await advance(2 * MINUTE);
    expect(scrapes).toBeGreaterThanOrEqual(8);
    expect(await incidents()).toEqual([]);
    // The recording rule's output is in the store, readable by PromQL like any scraped series.
    const recorded = new Engine(server.daemon.series).instant('job:queue_depth:max', clock.now());
    expect(recorded.kind === 'vector' && recorded.samples.map((x) => [x.metric, x.value])).toEqual([[{ __name__: 'job:queue_depth:max', job: 'worker' }, 5]]);

    depth = 500;
    await advance(MINUTE);
    expect(await incidents()).toEqual([]); // pending: for 2m
    await advance(2 * MINUTE);
    const [opened, ...more] = await incidents();
    expect(more).toEqual([]);
    expect(opened).toMatchObject({ state: 'triggered', severity: 'P1', runbook: 'runbooks/queue.md#RB-7' });
    expect(opened!.title).toBe('worker holds 500 jobs');

    depth = 3;
    await advance(2 * MINUTE);
    const [after] = await incidents();
    expect(after!.state).toBe('resolved');
  }, scaled(240_000));
});
