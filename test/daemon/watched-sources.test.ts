/**
 * The config watch covers every file the running config read, not only the YAML: a rule file's
 * threshold edited, a rule file added to (or removed from) a `rule_files:` glob, a runbook step edited,
 * a runbook added to a runbook folder are applied without a SIGHUP; a broken rule file or runbook is
 * refused with its location and the running rules and procedures go on. The watch follows each reload
 * (a new glob is watched once the config naming it is applied), and the files a refused config read
 * are watched too, so fixing them applies it. A real daemon over real files on a simulated clock (the
 * rules' schedule), real file events; every wait polls with a generous bound.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, watchConfigFiles } from '../../src/daemon/index.js';
import { SimulatedClock } from '../../src/lib/clock.js';
import { MemorySeriesSource } from '../../src/promql/index.js';
import { apiTokens, startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { minuteNow } from '../support/simulated-daemon.js';
import { scaled, until } from '../support/timing.js';

const MINUTE = 60_000;
const STEP = 15_000;

/** A rule file of one group whose alert `name` fires for a queue deeper than `threshold`. */
const rules = (group: string, name: string, threshold: number, expr = `queue_depth > ${threshold}`) => `groups:
  - name: ${group}
    interval: 15s
    rules:
      - alert: ${name}
        expr: ${expr}
        labels:
          severity: warning
        annotations:
          summary: "${name}: {{ $labels.queue }} holds {{ $value }} jobs"
`;

interface Watched {
  server: DaemonApp;
  clock: SimulatedClock;
  series: MemorySeriesSource;
  start: number;
  /** The daemon's log lines so far. */
  log: () => string;
  write: (file: string, text: string) => void;
  /** Writes `file` as many editors save: a new file beside it, renamed over it. */
  replace: (file: string, text: string) => void;
}

/** A daemon over `files`, its config watched as `serve` watches it, on a simulated clock; closed after the suite. */
function watchedDaemon(prefix: string, files: Record<string, string>): Watched {
  const start = minuteNow();
  const clock = new SimulatedClock(start);
  const series = new MemorySeriesSource();
  let lines = '';
  const destination = new PassThrough();
  destination.on('data', (c: Buffer) => (lines += c.toString()));
  let unwatch: (() => void) | undefined;
  const w = {
    clock,
    series,
    start,
    log: () => lines,
    write: (file: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(w.server.dir, file)), { recursive: true });
      fs.writeFileSync(path.join(w.server.dir, file), text);
    },
    replace: (file: string, text: string) => {
      const target = path.join(w.server.dir, file);
      const saved = path.join(path.dirname(target), `.${path.basename(target)}.swp`);
      fs.writeFileSync(saved, text);
      fs.renameSync(saved, target);
    },
  } as Watched;
  beforeAll(async () => {
    w.server = await startDaemonApp(prefix, files, { clock, series, logger: createLogger({ level: 'info', destination }) });
    unwatch = watchConfigFiles(w.server.daemon, 50);
  }, scaled(60_000));
  afterAll(async () => {
    unwatch?.();
    await w.server?.close();
  }, scaled(60_000));
  return w;
}

/** How many times the log says `msg`. */
const count = (log: string, msg: string) => log.split('\n').filter((l) => l.includes(`"msg":"${msg}"`)).length;

describe('rule files under the config watch', () => {
  const w = watchedDaemon('watch-rules', { 'ops.yaml': 'rule_files: [rules/*.yml]\n', 'rules/queue.yml': rules('queues', 'QueueBacklog', 1000) });
  /** The alerts incidents hold, as `ALERT QUEUE STATE`. */
  const alerts = async () =>
    (await w.server.daemon.store.db.selectFrom('incident_alerts').select(['rule_id', 'labels', 'state']).orderBy('first_fired_at').orderBy('rule_id').execute()).map(
      (a) => `${a.rule_id.replace('rule_files:', '')} ${(JSON.parse(a.labels) as { queue: string }).queue} ${a.state}`,
    );
  const fill = (queue: string, depth: number) => {
    for (let t = w.clock.now() - 10 * MINUTE; t <= w.start + 120 * MINUTE; t += STEP) w.series.add({ __name__: 'queue_depth', queue }, t, depth);
  };
  /** Moves the clock a step at a time until `ok` holds (the reload it waits for comes from a file event, in real time). */
  const advanceUntil = async (what: string, ok: (seen: string[]) => boolean) => {
    await until(
      what,
      async () => {
        await w.clock.advance(STEP);
        await w.server.daemon.operations!.settle(scaled(2_000));
        return ok(await alerts());
      },
      scaled(30_000),
    );
  };

  it('applies a threshold edited in a rule file (saved by a rename over it)', async () => {
    fill('emails', 500);
    await w.clock.advance(MINUTE);
    await w.server.daemon.operations!.settle(scaled(2_000));
    expect(await alerts()).toEqual([]);
    w.replace('rules/queue.yml', rules('queues', 'QueueBacklog', 100));
    await advanceUntil('the edited threshold fires', (seen) => seen.length > 0);
    expect(await alerts()).toEqual(['QueueBacklog emails firing']);
  });

  it('applies a rule file added under the glob, and its removal', async () => {
    w.write('rules/disk.yml', rules('disk', 'DeepQueue', 10));
    await advanceUntil('the added rule file fires', (seen) => seen.includes('DeepQueue emails firing'));
    fs.rmSync(path.join(w.server.dir, 'rules/disk.yml'));
    await advanceUntil('the removed rule file’s alert resolves', (seen) => seen.includes('DeepQueue emails resolved'));
    expect(await alerts()).toEqual(['QueueBacklog emails firing', 'DeepQueue emails resolved']);
  });

  it('refuses a broken rule file with its file:line and runs the rules it had; applies its fix', async () => {
    const applied = count(w.log(), 'config reloaded');
    w.write('rules/queue.yml', rules('queues', 'QueueBacklog', 100, 'queue_depth >'));
    await until('the broken rule file is refused', () => w.log().includes('config reload rejected'), scaled(30_000));
    const rejected = w.log().split('\n').find((l) => l.includes('config reload rejected'))!;
    expect(rejected).toContain('rules/queue.yml:6');
    // The running rules go on: a queue that fills now fires the alert they hold.
    fill('sms', 700);
    await advanceUntil('the running rule fires for the new queue', (seen) => seen.includes('QueueBacklog sms firing'));
    w.write('rules/queue.yml', rules('queues', 'QueueBacklog', 600));
    await until('the fixed rule file is applied', () => count(w.log(), 'config reloaded') > applied, scaled(30_000));
    await advanceUntil('the emails alert (500, under 600) resolves', (seen) => seen.includes('QueueBacklog emails resolved'));
    expect(await alerts()).toEqual(['QueueBacklog emails resolved', 'DeepQueue emails resolved', 'QueueBacklog sms firing']);
  });
});

describe('the watch follows each reload', () => {
  const w = watchedDaemon('watch-rearm', { 'ops.yaml': '{}\n', 'alerts/a.yml': rules('a', 'A', 1) });
  const groups = () => w.server.daemon.ruleGroups.map((g) => g.name).sort();

  it('watches a glob the reloaded config names', async () => {
    w.write('ops.yaml', 'rule_files: [alerts/*.yml]\n');
    await until('the config naming alerts/*.yml is applied', () => groups().join() === 'a', scaled(30_000));
    w.write('alerts/b.yml', rules('b', 'B', 1));
    await until('the file added under the new glob is applied', () => groups().join() === 'a,b', scaled(30_000));
  });

  it('watches the files a refused config read: fixing a broken rule file it names applies it', async () => {
    const running = groups();
    w.write('more/c.yml', rules('c', 'C', 1, 'queue_depth >'));
    w.write('ops.yaml', 'rule_files: [alerts/a.yml, more/c.yml]\n');
    await until('the config naming a broken file is refused', () => w.log().includes('more/c.yml:6'), scaled(30_000));
    expect(groups()).toEqual(running);
    w.write('more/c.yml', rules('c', 'C', 1));
    await until('the fixed file makes the config apply', () => groups().join() === 'a,c', scaled(30_000));
  });
});

describe('a change seen while a reload is in flight', () => {
  const w = watchedDaemon('watch-in-flight', { 'ops.yaml': '{}\n' });

  it('is read by a reload after that one, not joined to it (which may have read the files before)', async () => {
    const { daemon } = w.server;
    const before = count(w.log(), 'config reloaded');
    // A SIGHUP's reload, then two file events while it runs: they share the reload that follows it.
    await Promise.all([daemon.reload(), daemon.reloadAfterChange(), daemon.reloadAfterChange()]);
    await until('the reloads are logged', () => count(w.log(), 'config reloaded') >= before + 2, scaled(10_000));
    expect(count(w.log(), 'config reloaded')).toBe(before + 2);
  });
});

const RUNBOOK = (step: string) => `# Orders\n\n## RB-001: Orders down\n\n**Diagnosis:**\n\n1. ${step}\n\n\`\`\`bash\necho looking\n\`\`\`\n`;
const OPS = `users:
  - { name: ana, role: admin }
services:
  - { id: orders }
checks:
  - { id: orders-port, kind: tcp, service: orders, host: 127.0.0.1, port: 9, interval: 1h, runbook: "runbooks/orders.md#RB-001" }
runbooks: [runbooks/*.md]
`;

describe('runbooks under the config watch', () => {
  const w = watchedDaemon('watch-runbooks', { 'ops.yaml': OPS, 'runbooks/orders.md': RUNBOOK('Look at the port') });
  let token = '';
  beforeAll(async () => {
    token = (await apiTokens(w.server.daemon, 'ana', ['ana'])).ana!;
  });
  const api = async <T>(url: string): Promise<T> => {
    const r = await w.server.app.inject({ url, headers: { authorization: `Bearer ${token}` } });
    expect(r.statusCode, r.body).toBe(200);
    return r.json<T>();
  };
  const steps = async () => (await api<{ phases: Array<{ steps: Array<{ text: string }> }> }>(`/api/runbooks/procedures/${encodeURIComponent('runbooks/orders.md#RB-001')}`)).phases.flatMap((p) => p.steps.map((s) => s.text));
  const files = async () => (await api<{ runbooks: Array<{ file: string }> }>('/api/runbooks')).runbooks.map((r) => r.file);

  it('applies an edited runbook step', async () => {
    expect(await steps()).toEqual(['Look at the port']);
    w.write('runbooks/orders.md', RUNBOOK('Look at the port and the load balancer'));
    await until('the edited step is served', async () => (await steps()).join() === 'Look at the port and the load balancer', scaled(30_000));
  });

  it('applies a runbook added to the runbook folder, and one removed', async () => {
    w.write('runbooks/payments.md', '# Payments\n\n## RB-002: Payments slow\n\n**Diagnosis:**\n\n1. Look at the queue\n');
    await until('the added runbook is served', async () => (await files()).join() === 'runbooks/orders.md,runbooks/payments.md', scaled(30_000));
    fs.rmSync(path.join(w.server.dir, 'runbooks/payments.md'));
    await until('the removed runbook is gone', async () => (await files()).join() === 'runbooks/orders.md', scaled(30_000));
  });

  it('refuses a runbook that loses a procedure the config names, with the location, and keeps the running one', async () => {
    w.write('runbooks/orders.md', RUNBOOK('Look at the port and the disk').replace('RB-001', 'RB-009'));
    await until('the runbook is refused', () => w.log().includes('config reload rejected'), scaled(30_000));
    const rejected = w.log().split('\n').find((l) => l.includes('config reload rejected'))!;
    expect(rejected).toContain('no procedure runbooks/orders.md#RB-001');
    expect(rejected).toContain('ops.yaml:6');
    expect(await steps()).toEqual(['Look at the port and the load balancer']);
    // Saved as many editors save (a file beside it renamed over it): the watch follows the new file.
    w.replace('runbooks/orders.md', RUNBOOK('Look at the port and the disk'));
    await until('the fixed runbook is served', async () => (await steps()).join() === 'Look at the port and the disk', scaled(30_000));
    w.write('runbooks/orders.md', RUNBOOK('Look at the port, the disk and the logs'));
    await until('a later edit of the renamed-over file is served', async () => (await steps()).join() === 'Look at the port, the disk and the logs', scaled(30_000));
  });
});

describe('what a reload caused by a rule file or runbook change says', () => {
  const w = watchedDaemon('watch-says', {
    'ops.yaml': 'rule_files: [rules/*.yml]\nrunbooks: [runbooks/*.md]\n',
    'rules/queue.yml': rules('queues', 'QueueBacklog', 1000),
    'runbooks/orders.md': '# Orders\n\n## RB-001: Orders down\n\n**Diagnosis:**\n\n1. Look at the port\n',
  });
  /** The `config reloaded` log lines so far, parsed. */
  const reloads = () =>
    w
      .log()
      .split('\n')
      .filter((l) => l.includes('"msg":"config reloaded"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  it('logs the file that changed and the rule files and runbooks it read', async () => {
    const before = reloads().length;
    w.write('rules/queue.yml', rules('queues', 'QueueBacklog', 100));
    await until('the edited rule file is reloaded', () => reloads().length > before, scaled(30_000));
    expect(reloads().at(-1)).toMatchObject({ changed: ['rules/queue.yml'], rule_files: ['rules/queue.yml'], runbooks: ['runbooks/orders.md'] });
    const added = reloads().length;
    w.write('runbooks/payments.md', '# Payments\n\n## RB-002: Payments slow\n\n**Diagnosis:**\n\n1. Look at the queue\n');
    await until('the added runbook is reloaded', () => reloads().length > added, scaled(30_000));
    expect(reloads().at(-1)).toMatchObject({ changed: ['runbooks/payments.md'], runbooks: ['runbooks/orders.md', 'runbooks/payments.md'] });
  });

  it('has /_health/ready name the rule files and runbooks the running config read', async () => {
    const ready = await w.server.app.inject({ url: '/_health/ready' });
    const detail = ready.json<{ checks: { config: { detail: string } } }>().checks.config.detail;
    expect(detail).toBe('ops.yaml; rule files: rules/queue.yml; runbooks: runbooks/orders.md, runbooks/payments.md');
  });
});
