/**
 * A reload that changes a setting the running daemon reads only at its start (the port it listens
 * on, the store, the cluster's leases, the audit head file…) says so: one warning line naming the
 * changed settings, the reload counted `partial`, and `opsbook_config_restart_needed{setting}` set
 * until the setting is put back or the daemon restarts. The daemon's config keeps the running value
 * of such a setting, so nothing reads a value that is not in effect. A reloadable setting (a
 * check's interval) is applied and not named. One real daemon on SQLite, reloaded once per
 * restart-only setting in the list beside the schema (src/config/restart-only.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { SimulatedClock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/daemon/index.js';
import { RESTART_ONLY } from '../../src/config/index.js';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { serveCli } from '../support/cli.js';
import { scaled } from '../support/timing.js';

const CHECK = (interval: string) => `checks:\n  - { id: web, kind: http, url: "http://127.0.0.1:9/", interval: ${interval} }\n`;

/** For each restart-only setting, YAML that changes it from the default the daemon started with. */
const CHANGES: Record<string, string> = {
  'server.port': 'server: { port: 4999 }',
  'server.host': 'server: { host: 0.0.0.0 }',
  'storage.url': 'storage: { url: elsewhere.db }',
  'storage.data_dir': 'storage: { data_dir: elsewhere }',
  'storage.cluster.lease': 'storage: { cluster: { lease: 20s } }',
  'storage.cluster.partitions': 'storage: { cluster: { partitions: 8 } }',
  'storage.cluster.member': 'storage: { cluster: { member: ops-1 } }',
  'audit.head_file': 'audit: { head_file: elsewhere.head }',
};

interface Line {
  level: number;
  msg: string;
  restart_needed?: string[];
}

describe('a reload that changes a setting read only at start', () => {
  let server: DaemonApp;
  const lines: Line[] = [];
  const clock = new SimulatedClock(Math.floor(Date.now() / 60_000) * 60_000);
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Line);
      done();
    },
  });
  const write = (text: string) => fs.writeFileSync(path.join(server.dir, 'ops.yaml'), text);
  const metric = async (prefix: string) =>
    (await server.daemon.metrics.registry.metrics())
      .split('\n')
      .filter((l) => l.startsWith(prefix))
      .sort();
  /** Reloads and answers the reload's own lines ("config reloaded…", and any warning before it). */
  const reload = async () => {
    lines.length = 0;
    await expect(server.daemon.reload()).resolves.toBe(true);
    return lines.filter((l) => l.msg.startsWith('config reloaded') || l.msg.includes('take effect on restart'));
  };

  beforeAll(async () => {
    server = await startDaemonApp('reload-restart', { 'ops.yaml': CHECK('30s') }, { clock, logger: createLogger({ level: 'info', pretty: false, destination }) });
  }, scaled(60_000));
  afterAll(async () => {
    await server?.close();
  }, scaled(60_000));

  it('has a change for every restart-only setting in the list', () => {
    expect(Object.keys(CHANGES).sort()).toEqual(Object.keys(RESTART_ONLY).sort());
  });

  for (const [setting, yaml] of Object.entries(CHANGES)) {
    it(`names ${setting} in one warning, counts the reload partial and keeps the running value`, async () => {
      const running = structuredClone(server.daemon.config);
      const partial = (await metric('opsbook_config_reloads_total{result="partial"}'))[0] ?? '';
      write(`${CHECK('30s')}${yaml}\n`);
      const logged = await reload();
      expect(logged.map((l) => ({ level: l.level, msg: l.msg, restart_needed: l.restart_needed }))).toEqual([
        { level: 40, msg: 'config reloaded; these settings take effect on restart', restart_needed: [setting] },
      ]);
      expect(await metric('opsbook_config_restart_needed{')).toEqual([`opsbook_config_restart_needed{setting="${setting}"} 1`]);
      expect(await metric('opsbook_config_reloads_total{result="partial"}')).not.toEqual([partial]);
      // What the daemon reads is what is in effect: the running value, a defaulted public_url included.
      expect(server.daemon.config.server).toEqual(running.server);
      expect(server.daemon.config.storage).toEqual(running.storage);
      expect(server.daemon.config.audit).toEqual(running.audit);

      // Put back, nothing waits for a restart any more.
      write(CHECK('30s'));
      expect((await reload()).map((l) => ({ level: l.level, msg: l.msg }))).toEqual([{ level: 30, msg: 'config reloaded' }]);
      expect(await metric('opsbook_config_restart_needed{')).toEqual([]);
    }, scaled(30_000));
  }

  it('names every changed setting, sorted, in the one line', async () => {
    write(`${CHECK('30s')}server: { port: 4999 }\nstorage: { url: elsewhere.db, cluster: { lease: 20s } }\n`);
    expect((await reload()).map((l) => l.restart_needed)).toEqual([['server.port', 'storage.cluster.lease', 'storage.url']]);
    write(CHECK('30s'));
    await reload();
  }, scaled(30_000));

  it('applies reloadable settings (a check interval, retentions, the public URL, the log level) and does not name them', async () => {
    const applied = (await metric('opsbook_config_reloads_total{result="applied"}'))[0] ?? '';
    write(
      `${CHECK('45s')}storage: { retention: { check_results: 2d } }\nsamples: { retention: 3h, flush_interval: 5s }\n` +
        'server: { log_level: warn, public_url: "https://ops.example.org" }\n',
    );
    const logged = await reload();
    // At level warn the info line "config reloaded" is not written: the level was applied.
    expect(logged).toEqual([]);
    expect(server.daemon.logger.level).toBe('warn');
    expect(server.daemon.config.checks[0]!.interval).toBe(45_000);
    expect(server.daemon.config.storage.retention.check_results).toBe(2 * 86_400_000);
    expect(server.daemon.samples.retentionMs).toBe(3 * 3_600_000);
    expect(server.daemon.config.server.public_url).toBe('https://ops.example.org');
    expect(await metric('opsbook_config_restart_needed{')).toEqual([]);
    expect(await metric('opsbook_config_reloads_total{result="applied"}')).not.toEqual([applied]);
    write(CHECK('30s'));
    await reload();
    expect(server.daemon.logger.level).toBe('info');
  }, scaled(30_000));
});

describe('a reload under serve --port', () => {
  let server: DaemonApp;

  beforeAll(async () => {
    server = await startDaemonApp('reload-port-flag', { 'ops.yaml': CHECK('30s') }, { clock: new SimulatedClock(0), server: { port: 4321 } });
  }, scaled(60_000));
  afterAll(async () => {
    await server?.close();
  }, scaled(60_000));

  it('does not name server.port: the flag wins over the file at every load', async () => {
    fs.writeFileSync(path.join(server.dir, 'ops.yaml'), `${CHECK('30s')}server: { port: 4999 }\n`);
    await expect(server.daemon.reload()).resolves.toBe(true);
    expect(server.daemon.config.server.port).toBe(4321);
    expect(server.daemon.config.server.public_url).toBe('http://127.0.0.1:4321');
    expect((await server.daemon.metrics.registry.metrics()).split('\n').filter((l) => l.startsWith('opsbook_config_restart_needed{'))).toEqual([]);
  }, scaled(30_000));
});

describe('opsbook serve, reloaded by SIGHUP with the store moved', () => {
  it('logs the setting and exports it on /metrics, where the operator looks', async () => {
    const s = await serveCli('reload-restart-serve', { 'ops.yaml': CHECK('30s') });
    onTestFinished(() => s.close());
    fs.writeFileSync(s.config, `${CHECK('30s')}storage: { url: elsewhere.db }\n`);
    s.child.kill('SIGHUP');
    await expect.poll(() => s.output(), { timeout: scaled(15_000) }).toContain('config reloaded; these settings take effect on restart');
    expect(s.output()).toContain('"restart_needed":["storage.url"]');
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toContain('opsbook_config_restart_needed{setting="storage.url"} 1');
    expect(metrics).toContain('opsbook_config_reloads_total{result="partial"} 1');
  }, scaled(60_000));
});
