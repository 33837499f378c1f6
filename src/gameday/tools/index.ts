/**
 * The game-day world's tools on the runbook steps' PATH: a bin directory per world whose `kubectl`,
 * `systemctl`, `docker`, `sudo`, `celery`, `pg_ctl` and `mongosh` are small scripts (shims.ts) that hand their command line to the
 * game day (a loopback control endpoint with a per-world token), which acts on the world's real
 * processes (models.ts) and answers with the exit code and output a step records.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { delimiter, join } from 'node:path';
import type { OpsConfig } from '../../config/index.js';
import { runWorldTool, WORLD_TOOLS, type ToolResult, type ToolWorld } from './models.js';
import { formatToolAnswer, nodeToolClient, parseToolCall, toolShim } from './shims.js';

export { mongoshCommand } from './mongosh.js';
export { partOf, runWorldTool, WORLD_READ_TOOLS, WORLD_TOOLS, type PodRow, type ToolResult, type ToolWorld } from './models.js';

export interface WorldTools {
  binDir: string;
  /** What a shell step needs to find them: PATH with the bin first, a kubeconfig and a Docker host for kubectl's and docker's own checks. */
  env: Record<string, string>;
  /** Every command line the tools were given, in order (the game day's output shows them). */
  calls: Array<{ tool: string; args: string[]; code: number }>;
  close(): Promise<void>;
}

export async function startWorldTools(dir: string, world: ToolWorld): Promise<WorldTools> {
  const token = randomBytes(18).toString('base64url');
  const calls: WorldTools['calls'] = [];
  const authorised = (header: string | undefined): boolean => {
    const want = Buffer.from(`Bearer ${token}`);
    const got = Buffer.from(header ?? '');
    return got.length === want.length && timingSafeEqual(got, want);
  };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const answer = (status: number, r: ToolResult): void => {
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(formatToolAnswer(r));
      };
      if (req.method !== 'POST' || !authorised(req.headers.authorization)) return answer(403, { code: 1, stdout: '', stderr: 'not a tool of this world\n' });
      const { tool, args, env } = parseToolCall(body);
      void runWorldTool(tool, args, world, env).then((r) => {
        calls.push({ tool, args, code: r.code });
        answer(200, r);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tool`;
  const binDir = join(dir, 'bin');
  await mkdir(binDir, { recursive: true });
  const authFile = join(dir, 'tool-auth');
  await writeFile(authFile, `authorization: Bearer ${token}\n`, { mode: 0o600 });
  const nodeClient = join(dir, 'world-tool.mjs');
  await writeFile(nodeClient, nodeToolClient(url, authFile), { mode: 0o600 });
  for (const name of WORLD_TOOLS) {
    const file = join(binDir, name);
    await writeFile(file, toolShim(name, url, authFile, nodeClient));
    await chmod(file, 0o755);
  }
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, '# The game-day world: kubectl on the steps\' PATH is the world\'s tool and reads none of this.\napiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n');
  return {
    binDir,
    env: { PATH: `${binDir}${delimiter}${process.env.PATH ?? ''}`, KUBECONFIG: kubeconfig, DOCKER_HOST: `unix://${join(dir, 'docker.sock')}` },
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The config the game day's runbook steps run with: every service's shell steps find the world's
 * tools first on their PATH (the service's own PATH, or opsbook's, after them) and kubectl's and
 * docker's configuration the world's; the service's other variables are kept.
 */
export function withWorldTools(config: OpsConfig, tools: Pick<WorldTools, 'binDir' | 'env'>): OpsConfig {
  return {
    ...config,
    services: config.services.map((s) => {
      if (!s.shell) return s;
      const own = s.shell.env ?? {};
      return { ...s, shell: { ...s.shell, env: { ...tools.env, ...own, PATH: `${tools.binDir}${delimiter}${own.PATH ?? process.env.PATH ?? ''}` } } };
    }),
  };
}
