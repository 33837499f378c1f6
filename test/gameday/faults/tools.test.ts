/**
 * The world's tools on a step's PATH: real executables that hand their command line to the game
 * day, which acts on the world's real processes (here a private redis-server) and refuses anything
 * it does not model with exit 1 and a message saying what it does model.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from '../../../src/gameday/services.js';
import { partOf, startWorldTools, type ToolWorld, type WorldTools } from '../../../src/gameday/tools/index.js';

function run(tools: WorldTools, line: string, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('/bin/bash', ['-c', line], { env: { ...tools.env, HOME: tmpdir(), ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const ping = async (url: string): Promise<string> => {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => {});
  try {
    await r.connect();
    return await r.ping();
  } catch (e) {
    return (e as Error).message;
  } finally {
    r.disconnect();
  }
};

describe('the game-day world’s tools', () => {
  let dir: string;
  let redis: RedisServer;
  let tools: WorldTools;
  const appRestarts: number[] = [];
  const scaled: Array<[string, number]> = [];
  const peerFaults: Record<string, boolean> = { opensearch_red: true, minio_full: false };
  const appLog = ['INFO "GET /health" 200 – naïve ✓', 'ERROR "GET /api/projects" 500', 'INFO "GET /api/projects" 200'];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'opsbook-tools-test-'));
    redis = await startRedisServer();
    const world: ToolWorld = {
      system: 'apex',
      restartRedis: async () => {
        await redis.stop();
        await redis.start();
      },
      restartApp: async () => void appRestarts.push(Date.now()),
      appLogs: (tail) => appLog.slice(-tail),
      scaleStandIn: async (deployment, replicas) => void scaled.push([deployment, replicas]),
      restartStandInPeer: async (peer) => {
        const on = Object.keys(peerFaults).filter((k) => k.startsWith(`${peer}_`) && peerFaults[k]);
        for (const k of on) peerFaults[k] = false;
        return on;
      },
    };
    tools = await startWorldTools(dir, world);
  });
  afterAll(async () => {
    await tools.close();
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('kubectl rollout restart statefulset/redis starts the stopped redis-server again', async () => {
    await redis.stop();
    expect(await ping(redis.url)).not.toBe('PONG');
    const r = await run(tools, 'kubectl rollout restart statefulset/redis -n apex');
    expect(r).toMatchObject({ code: 0, stdout: 'statefulset.apps/redis restarted\n' });
    expect(await ping(redis.url)).toBe('PONG');
  });

  it('sudo systemctl restart redis does the same through the world’s sudo; sudo runs nothing else', async () => {
    await redis.stop();
    expect(await run(tools, 'sudo systemctl restart redis')).toMatchObject({ code: 0 });
    expect(await ping(redis.url)).toBe('PONG');
    const refused = await run(tools, `sudo rm -rf ${dir}`);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/sudo \(game-day world\): runs only the world's own tools .* not "rm"/);
  });

  it('restarts and rolls back the application by its names; the OpenSearch stand-in by its prefix', async () => {
    expect(await run(tools, 'systemctl restart gunicorn')).toMatchObject({ code: 0, stdout: '' });
    expect(await run(tools, 'kubectl rollout undo deployment/apex-api -n apex')).toMatchObject({ code: 0, stdout: 'deployment.apps/apex-api rolled back\n' });
    expect(appRestarts).toHaveLength(2);
    const os = await run(tools, 'kubectl rollout restart statefulset/opensearch -n apex');
    expect(os.stdout).toBe('statefulset.apps/opensearch restarted (opensearch (stand-in) restarted; cleared: opensearch_red)\n');
    expect(peerFaults.opensearch_red).toBe(false);
  });

  it('kubectl logs shows the application process\'s own log lines, the last --tail of them; no other workload\'s', async () => {
    expect(await run(tools, 'kubectl logs -n apex deployment/apex-api --tail=2')).toEqual({ code: 0, stdout: 'ERROR "GET /api/projects" 500\nINFO "GET /api/projects" 200\n', stderr: '' });
    expect((await run(tools, 'kubectl logs deployment/apex-api')).stdout.split('\n')).toHaveLength(4);
    const other = await run(tools, 'kubectl logs -n apex deployment/opensearch --tail=100');
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('logs are modelled for the application only');
  });

  it('kubectl scale deployment NAME --replicas=N scales the deployment the stand-in plays; a bad count is refused', async () => {
    expect(await run(tools, 'kubectl scale deployment apex-api -n apex --replicas=5')).toEqual({ code: 0, stdout: 'deployment.apps/apex-api scaled\n', stderr: '' });
    expect((await run(tools, 'kubectl scale deploy/apex-api --replicas 4')).code).toBe(0);
    expect(scaled).toEqual([['apex-api', 5], ['apex-api', 4]]);
    const bad = await run(tools, 'kubectl scale deployment apex-api --replicas=five');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('scale needs --replicas=N');
    expect((await run(tools, 'kubectl scale statefulset/redis --replicas=2')).stderr).toContain('scale is modelled for deployments');
    expect(scaled).toHaveLength(2);
  });

  it('refuses what it does not model, with exit 1 and what it does model', async () => {
    const get = await run(tools, 'kubectl get secrets -n apex');
    expect(get.code).toBe(1);
    expect(get.stderr).toContain('kubectl (game-day world): "kubectl get secrets -n apex" is not modelled: the world models `kubectl rollout restart|undo|status');
    // `get pods` is modelled, from the pods the stand-in plays: this world's plays none.
    expect((await run(tools, 'kubectl get pods -n apex')).stderr).toContain('no pods in this world');
    const unknown = await run(tools, 'kubectl rollout restart deployment/novapulse-worker');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no "novapulse-worker" in this world \(it has: redis/);
    expect((await run(tools, 'systemctl stop redis')).code).toBe(1);
    expect((await run(tools, 'celery -A app inspect ping')).stderr).toContain('no Celery app runs in this world');
    expect(tools.calls.map((c) => `${c.tool} ${c.code}`)).toContain('kubectl 1');
  });

  it('hands every argument over as the shell split it, and answers alike where curl is missing', async () => {
    const line = `kubectl get 'a b' "c'd" '' x=y @${dir}/tool-auth $'two\\nlines' ü -- '$HOME' '%20+'`;
    const args = ['get', 'a b', "c'd", '', 'x=y', `@${dir}/tool-auth`, 'two\nlines', 'ü', '--', '$HOME', '%20+'];
    const viaCurl = await run(tools, line);
    expect(tools.calls.at(-1)).toEqual({ tool: 'kubectl', args, code: 1 });
    // No curl on PATH: the same script hands over to its node client.
    const noCurl = { PATH: tools.binDir };
    const viaNode = await run(tools, line, noCurl);
    expect(tools.calls.at(-1)).toEqual({ tool: 'kubectl', args, code: 1 });
    expect(viaNode).toEqual(viaCurl);
    expect(viaCurl.stderr).toContain('is not modelled');
    for (const env of [{}, noCurl]) {
      expect(await run(tools, 'kubectl logs deployment/apex-api --tail=3', env)).toEqual({ code: 0, stdout: `${appLog.join('\n')}\n`, stderr: '' });
    }
  });

  it('names: redis, the app, workers only where Celery runs, stand-in peers', () => {
    const world = { system: 'library' } as ToolWorld;
    expect(partOf('statefulset/redis', world)).toEqual({ kind: 'redis' });
    expect(partOf('redis-server.service', world)).toEqual({ kind: 'redis' });
    expect(partOf('gunicorn', world)).toEqual({ kind: 'app' });
    expect(partOf('deployment/library-api', world)).toEqual({ kind: 'app' });
    expect(partOf('celery-worker', world)).toBeUndefined();
    expect(partOf('celery-worker', { ...world, restartWorkers: async () => [] })).toEqual({ kind: 'workers' });
    expect(partOf('deployment/apex-worker', { ...world, standInWorkers: true })).toEqual({ kind: 'peer', peer: 'worker' });
    expect(partOf('sts/elasticsearch', world)).toEqual({ kind: 'peer', peer: 'opensearch' });
    expect(partOf('postgresql', world)).toBeUndefined();
  });
});
