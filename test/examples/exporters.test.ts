/**
 * examples/exporters/ops.yaml: the node-exporter checks against Debian's real prometheus-node-exporter,
 * the kube-state-metrics, OpenSearch and MinIO checks against documented replies served on loopback
 * behind each product's real authentication (test/support/exporter-peers.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileCheck } from '../../src/checks/compile.js';
import { runCheckOnce } from '../../src/checks/run-once.js';
import type { CheckResult } from '../../src/checks/types.js';
import { closeHttpAgents } from '../../src/checks/kinds/shared/http-request.js';
import { loadConfig } from '../../src/config/index.js';
import type { CheckConfig } from '../../src/config/schema/checks.js';
import { SimulatedClock } from '../../src/lib/clock.js';
import { CREDENTIALS, startExporterPeers, type ExporterPeers } from '../support/exporter-peers.js';
import { freePort, waitForHttp } from '../support/net.js';
import { scaled } from '../support/timing.js';

const EXAMPLE = path.join(import.meta.dirname, '..', '..', 'examples', 'exporters', 'ops.yaml');
const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';
const nodeExporterPresent = fs.existsSync(NODE_EXPORTER);
if (!nodeExporterPresent) {
  const reason = `${NODE_EXPORTER} is not installed (apt-get install -y prometheus-node-exporter)`;
  if (process.env.OPSBOOK_REQUIRE_SERVICES === '1') throw new Error(`${reason} and OPSBOOK_REQUIRE_SERVICES=1`);
  console.warn(`skipping node-exporter examples: ${reason}`);
}

interface World {
  checks: Map<string, CheckConfig>;
  clock: SimulatedClock;
  states: Map<string, Record<string, unknown>>;
}

async function loadExample(env: Record<string, string>): Promise<Map<string, CheckConfig>> {
  const r = await loadConfig(EXAMPLE, { env });
  if (!r.ok) throw new Error(r.issues.map((i) => `${i.message} at ${i.path}`).join('\n'));
  return new Map(r.config.checks.map((c) => [c.id, c as CheckConfig]));
}

/** Runs one check of the example, keeping its state between runs (counter rates need two scrapes). */
function run(world: World, id: string): Promise<CheckResult> {
  const config = world.checks.get(id);
  if (!config) throw new Error(`no check ${id} in the example`);
  if (!world.states.has(id)) world.states.set(id, {});
  return runCheckOnce(compileCheck(config), { clock: world.clock, state: world.states.get(id)! });
}

const actual = (r: CheckResult, text: string): string | undefined => r.conditions.find((c) => c.text === text)?.actual;

describe('examples/exporters/ops.yaml', { timeout: scaled(180_000) }, () => {
  let peers: ExporterPeers;
  let exporter: ChildProcess | undefined;
  let exporterUrl = 'http://127.0.0.1:1';
  let world: World;
  const env = (overrides: Record<string, string> = {}): Record<string, string> => ({
    NODE_EXPORTER_URL: exporterUrl,
    KSM_URL: peers.ksmUrl,
    KSM_TOKEN: CREDENTIALS.ksmToken,
    KSM_CA_FILE: peers.caFile,
    OPENSEARCH_URL: peers.opensearchUrl,
    OPENSEARCH_BASIC_AUTH: Buffer.from(`${CREDENTIALS.opensearchUser}:${CREDENTIALS.opensearchPassword}`).toString('base64'),
    MINIO_URL: peers.minioUrl,
    MINIO_PROMETHEUS_TOKEN: CREDENTIALS.minioToken,
    ...overrides,
  });

  beforeAll(async () => {
    peers = await startExporterPeers();
    if (nodeExporterPresent) {
      const port = await freePort();
      exporterUrl = `http://127.0.0.1:${port}`;
      exporter = spawn(NODE_EXPORTER, [`--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
      await waitForHttp(`${exporterUrl}/metrics`, 60_000, 200, exporter);
    }
    world = { checks: await loadExample(env()), clock: new SimulatedClock(), states: new Map() };
  });
  afterAll(async () => {
    if (exporter && exporter.exitCode === null) {
      const exited = new Promise((r) => exporter!.once('exit', r));
      exporter.kill('SIGTERM');
      await exited;
    }
    await peers.close();
    closeHttpAgents();
  });

  it('loads and names every check, each with its thresholds', () => {
    expect([...world.checks.keys()]).toEqual([
      'host-cpu', 'host-memory-available', 'host-disk-free', 'host-load',
      'apex-api-replicas', 'apex-crashloop', 'apex-restarts', 'apex-api-hpa-at-max',
      'opensearch-health', 'minio-live', 'minio-write-quorum', 'minio-free-space',
    ]);
  });

  it('reads this host’s memory, disk and load from the real node exporter, as fractions between 0 and 1', async () => {
    if (!nodeExporterPresent) return;
    for (const id of ['host-memory-available', 'host-disk-free']) {
      const r = await run(world, id);
      expect(r.status, `${id}: ${r.error ?? ''}`).toBe('up');
      expect(r.value).toBeGreaterThan(0);
      expect(r.value).toBeLessThanOrEqual(1);
    }
    const load = await run(world, 'host-load');
    expect(load.status).toBe('up');
    expect(load.value).toBeGreaterThanOrEqual(0);
  });

  it('computes the CPU busy share between two real scrapes', async () => {
    if (!nodeExporterPresent) return;
    const first = await run(world, 'host-cpu');
    expect(first.pending).toBe('a rate needs a second scrape');
    // CPU seconds advance with real time; wait until the exporter shows some, however slowly.
    let second: CheckResult;
    let tries = 0;
    do {
      await new Promise((r) => setTimeout(r, 500));
      await world.clock.advance(60_000);
      second = await run(world, 'host-cpu');
    } while (second.value === undefined && ++tries < 40);
    expect(second.status).toBe('up');
    expect(second.value).toBeGreaterThanOrEqual(0);
    expect(second.value).toBeLessThanOrEqual(1);
    const level = second.value! > 0.9 ? 'critical' : second.value! > 0.7 ? 'warning' : 'ok';
    expect(second.level).toBe(level);
  });

  it('kube-state-metrics: healthy, then a deployment short of replicas, a crash loop, restarts and the HPA at its maximum', async () => {
    peers.state.ksm = 'healthy';
    expect((await run(world, 'apex-restarts')).pending).toBe('a rate needs a second scrape');
    for (const id of ['apex-api-replicas', 'apex-crashloop', 'apex-api-hpa-at-max']) {
      expect(await run(world, id), id).toMatchObject({ status: 'up', level: 'ok' });
    }
    peers.state.ksm = 'incident';
    await world.clock.advance(300_000);
    const replicas = await run(world, 'apex-api-replicas');
    expect(replicas.level).toBe('critical');
    expect(actual(replicas, '[VALUE] < 50%')).toBe('33.33%');
    expect(actual(await run(world, 'apex-crashloop'), '[VALUE] > 0')).toBe('1');
    const restarts = await run(world, 'apex-restarts');
    expect(restarts).toMatchObject({ level: 'warning', value: 5 / 300 });
    const hpa = await run(world, 'apex-api-hpa-at-max');
    expect(hpa).toMatchObject({ level: 'warning', value: 1 });
  });

  it('OpenSearch: green is ok, yellow warns, red is down though the answer is 200', async () => {
    peers.state.opensearch = 'green';
    expect(await run(world, 'opensearch-health')).toMatchObject({ status: 'up', level: 'ok', value: 0 });
    peers.state.opensearch = 'yellow';
    expect(await run(world, 'opensearch-health')).toMatchObject({ status: 'up', level: 'warning', value: 5 });
    peers.state.opensearch = 'red';
    const red = await run(world, 'opensearch-health');
    expect(red).toMatchObject({ status: 'down', level: 'critical', value: 21 });
    expect(actual(red, '[STATUS] == 200')).toBe('200');
    expect(actual(red, '[BODY].status != red')).toBe('red');
    peers.state.opensearch = 'green';
  });

  it('MinIO: live, write quorum lost (503), storage nearly full', async () => {
    expect((await run(world, 'minio-live')).status).toBe('up');
    expect((await run(world, 'minio-write-quorum')).status).toBe('up');
    expect(await run(world, 'minio-free-space')).toMatchObject({ status: 'up', level: 'ok' });
    peers.state.minioQuorum = false;
    peers.state.minioCapacity = 'full';
    const quorum = await run(world, 'minio-write-quorum');
    expect(quorum.status).toBe('down');
    expect(actual(quorum, '[STATUS] == 200')).toBe('503');
    expect(await run(world, 'minio-free-space')).toMatchObject({ status: 'up', level: 'critical', value: 0.04 });
    peers.state.minioQuorum = true;
    peers.state.minioCapacity = 'ok';
  });

  it('a wrong credential fails the check at its status condition, for each product that asks for one', async () => {
    const wrong = {
      world: {
        checks: await loadExample(env({ KSM_TOKEN: 'expired', OPENSEARCH_BASIC_AUTH: Buffer.from('monitor:old').toString('base64'), MINIO_PROMETHEUS_TOKEN: 'revoked' })),
        clock: world.clock,
        states: new Map<string, Record<string, unknown>>(),
      },
    };
    const ksm = await run(wrong.world, 'apex-crashloop');
    expect(ksm.status).toBe('down');
    expect(ksm.conditions[0]).toMatchObject({ text: '[STATUS] == 200', ok: false, actual: '401' });
    const os = await run(wrong.world, 'opensearch-health');
    expect(os.status).toBe('down');
    expect(os.checkId).toBe('opensearch-health');
    expect(actual(os, '[STATUS] == 200')).toBe('401');
    const minio = await run(wrong.world, 'minio-free-space');
    expect(minio.status).toBe('down');
    expect(actual(minio, '[STATUS] < 400')).toBe('403');
  });

  it('names the missing variable and its place when a credential is not set', async () => {
    const { KSM_TOKEN: _unset, ...rest } = env();
    const r = await loadConfig(EXAMPLE, { env: rest });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0]).toMatchObject({ message: expect.stringContaining('KSM_TOKEN'), file: EXAMPLE });
  });
});
