/**
 * `kubectl get pods -n apex | grep api` as a runbook step runs it: a real /bin/sh pipeline whose
 * kubectl is the world's tool (a script on PATH handing its command line to the game day) and whose
 * grep is the system's own, over the pods the world's stand-in plays.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWorldTool, startWorldTools, type PodRow, type ToolWorld, type WorldTools } from '../../../src/gameday/tools/index.js';

const run = promisify(execFile);

describe('the world’s kubectl get pods', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opsbook-get-pods-'));
  let pods: PodRow[] = [];
  const world: ToolWorld = {
    system: 'apex', restartRedis: async () => {}, restartApp: async () => {}, appLogs: () => [], restartStandInPeer: async () => [],
    pods: async () => pods,
  };
  let tools: WorldTools;
  beforeAll(async () => {
    tools = await startWorldTools(dir, world);
  });
  afterAll(async () => {
    await tools.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the pods in kubectl’s columns, and the shell’s grep keeps the API’s', async () => {
    pods = [
      { name: 'apex-api-0', ready: '1/1', status: 'Running', restarts: 0 },
      { name: 'apex-api-1', ready: '0/1', status: 'CrashLoopBackOff', restarts: 3 },
      { name: 'apex-worker-0', ready: '1/1', status: 'Running', restarts: 0 },
    ];
    const { stdout } = await run('/bin/sh', ['-c', 'kubectl get pods -n apex | grep api'], { env: { ...process.env, ...tools.env } });
    expect(stdout.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(/^apex-api-0\s+1\/1\s+Running\s+0$/),
      expect.stringMatching(/^apex-api-1\s+0\/1\s+CrashLoopBackOff\s+3$/),
    ]);
    expect(tools.calls.at(-1)).toMatchObject({ tool: 'kubectl', args: ['get', 'pods', '-n', 'apex'], code: 0 });
  });

  it('shows the header first, finds nothing in another namespace, and refuses where no pods are played', async () => {
    pods = [{ name: 'apex-api-0', ready: '1/1', status: 'Running', restarts: 0 }];
    const all = await runWorldTool('kubectl', ['get', 'pods'], world);
    expect(all.stdout.split('\n')[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS$/);
    expect((await runWorldTool('kubectl', ['get', 'pods', '-n', 'kube-system'], world)).stdout).toBe('No resources found in kube-system namespace.\n');
    const { pods: _none, ...bare } = world;
    const refused = await runWorldTool('kubectl', ['get', 'pods', '-n', 'apex'], bare);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('no pods in this world');
  });
});
