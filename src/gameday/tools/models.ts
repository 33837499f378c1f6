/**
 * What the game-day world's tools do: `kubectl`, `systemctl`, `docker`, `sudo`, `celery`, `pg_ctl`
 * and `mongosh` (mongosh.ts) as a runbook's resolution steps call them, each acting on the world's real processes (the
 * private redis-server, the application's process, the Celery workers, the private PostgreSQL
 * replica) or, for peers with no server here,
 * on the stand-in that plays them. Anything they do not model is refused with exit 1 and a message
 * saying what they do model: a runbook step never passes by doing nothing.
 */

import { mongosh } from './mongosh.js';
import type { ToolResult } from './result.js';

export type { ToolResult } from './result.js';

/** The parts of the world the tools act on. */
export interface ToolWorld {
  system: string;
  /** The private redis-server: started again if down, killed and started if running or stalled. */
  restartRedis(): Promise<void>;
  /** The application's process (the stand-in) stopped and started again: connections closed, state afresh. */
  restartApp(): Promise<void>;
  /** The last `tail` lines the application's current process logged. */
  appLogs(tail: number): string[];
  /** Stand-in fault switches of a peer with no server here (OpenSearch, MinIO), by name prefix: set off. Returns those that were on. */
  restartStandInPeer(peer: string): Promise<string[]>;
  /** cert-manager, where the world serves HTTPS: a deleted Certificate is issued afresh and served. */
  reissueCertificate?(): Promise<void>;
  /** Whether the stand-in plays the worker deployment's pods (it has `worker_*` fault switches) where no Celery worker runs. */
  standInWorkers?: boolean;
  /** The Celery workers, when the world runs them: each stopped and started again. */
  restartWorkers?(): Promise<string[]>;
  /** The real `celery` command line against the world's app and broker. */
  celery?(args: string[]): Promise<ToolResult>;
  /**
   * The real `pg_ctl promote` on the world's streaming replica, when the world has a failover pair;
   * the primary's address then reaches it. Resolves to pg_ctl's output.
   */
  promoteReplica?(): Promise<string>;
  /**
   * Deployments whose pods the stand-in plays with real processes (no Kubernetes here): the
   * deployment scaled to `replicas`, pod processes started or killed to match.
   */
  scaleStandIn?(deployment: string, replicas: number): Promise<void>;
  /** The pods the stand-in plays (`kubectl get pods`), where it plays any. */
  pods?(): Promise<PodRow[]>;
}

/** One line of `kubectl get pods`. */
export interface PodRow {
  name: string;
  ready: string;
  status: string;
  restarts: number;
}

export const WORLD_TOOLS = ['kubectl', 'systemctl', 'docker', 'sudo', 'celery', 'pg_ctl', 'mongosh'] as const;
/** World tools whose read commands reach a part of the world (the game day runs them in a diagnosis). */
export const WORLD_READ_TOOLS: readonly WorldToolName[] = ['mongosh'];

export type WorldToolName = (typeof WORLD_TOOLS)[number];

type Part = { kind: 'redis' } | { kind: 'app' } | { kind: 'workers' } | { kind: 'peer'; peer: string };

const ok = (stdout: string): ToolResult => ({ code: 0, stdout: stdout.endsWith('\n') ? stdout : `${stdout}\n`, stderr: '' });
const refuse = (tool: string, text: string): ToolResult => ({ code: 1, stdout: '', stderr: `${tool} (game-day world): ${text}\n` });

/** Peers with no server in the world, played by the stand-in. */
const STAND_IN_PEERS = ['opensearch', 'elasticsearch', 'minio'];

/** What a workload, unit or container name stands for in the world. */
export function partOf(name: string, world: ToolWorld): Part | undefined {
  const n = name.toLowerCase().replace(/^(statefulsets?|sts|deployments?|deploy|daemonsets?|ds|pods?|po)(\.apps)?\//, '').replace(/\.service$/, '');
  if (n.includes('redis')) return { kind: 'redis' };
  const peer = STAND_IN_PEERS.find((p) => n.includes(p));
  if (peer) return { kind: 'peer', peer: peer === 'elasticsearch' ? 'opensearch' : peer };
  if (/worker|celery/.test(n)) return world.restartWorkers ? { kind: 'workers' } : world.standInWorkers ? { kind: 'peer', peer: 'worker' } : undefined;
  const system = world.system.toLowerCase();
  if (['gunicorn', 'uwsgi', 'uvicorn', 'daphne', 'web', 'app', 'api', system, `${system}-api`, `${system}-web`, `${system}-app`].includes(n)) return { kind: 'app' };
  return undefined;
}

function describeParts(world: ToolWorld): string {
  return [
    'redis (the private redis-server)',
    `${world.system}, ${world.system}-api, gunicorn (the application's process)`,
    ...(world.restartWorkers ? ['*worker*, celery* (the Celery workers)'] : world.standInWorkers ? ['*worker* (the worker pods the stand-in plays)'] : []),
    'opensearch, minio (stand-ins: no server here)',
  ].join('; ');
}

async function restartPart(tool: string, name: string, world: ToolWorld): Promise<ToolResult | string> {
  const part = partOf(name, world);
  if (!part) return refuse(tool, `no "${name}" in this world (it has: ${describeParts(world)})`);
  if (part.kind === 'redis') await world.restartRedis();
  else if (part.kind === 'app') await world.restartApp();
  else if (part.kind === 'workers') await world.restartWorkers!();
  else {
    const was = await world.restartStandInPeer(part.peer);
    return `${part.peer} (stand-in) restarted${was.length > 0 ? `; cleared: ${was.join(', ')}` : ''}`;
  }
  return '';
}

/** kubectl's options that take a value (`-n apex`), so the rest are its positional words. */
const KUBECTL_VALUED = new Set(['-n', '--namespace', '--context', '--kubeconfig', '-l', '--selector', '-o', '--output', '--timeout', '--tail', '-c', '--container', '--since', '--replicas']);

/** `--replicas=N` or `--replicas N`, a count of pods. */
function replicasOf(args: readonly string[]): number | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const v = a.startsWith('--replicas=') ? a.slice(11) : a === '--replicas' ? args[i + 1] : undefined;
    if (v !== undefined) return /^\d+$/.test(v) ? Number.parseInt(v, 10) : Number.NaN;
  }
  return undefined;
}

/** `--tail=N` or `--tail N`; kubectl's default for a workload is every line (-1). */
function tailOf(args: readonly string[]): number {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const v = a.startsWith('--tail=') ? a.slice(7) : a === '--tail' ? args[i + 1] : undefined;
    if (v !== undefined) return Number.parseInt(v, 10) >= 0 ? Number.parseInt(v, 10) : Number.POSITIVE_INFINITY;
  }
  return Number.POSITIVE_INFINITY;
}

function positional(args: readonly string[], valued: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (valued.has(a)) i++;
    else if (!a.startsWith('-')) out.push(a);
  }
  return out;
}

async function kubectl(args: readonly string[], world: ToolWorld): Promise<ToolResult> {
  const [verb, sub, ...rest] = positional(args, KUBECTL_VALUED);
  const modelled = 'the world models `kubectl rollout restart|undo|status <kind>/<name>`, `kubectl scale deployment NAME --replicas=N`, `kubectl get pods`, `kubectl logs <the application>` and `kubectl delete certificate NAME`';
  if (verb === 'scale') return scale(args, sub, rest, world);
  if (verb === 'get' && sub && /^(pods?|po)$/.test(sub)) return getPods(args, world);
  if (verb === 'logs') {
    const name = sub?.replace(/^[a-z.]+\//, '') ?? '';
    if (partOf(name, world)?.kind !== 'app') return refuse('kubectl', `logs are modelled for the application only (${world.system}, ${world.system}-api), not "${sub ?? ''}"`);
    const lines = world.appLogs(Math.min(tailOf(args), 5000));
    return { code: 0, stdout: lines.length > 0 ? `${lines.join('\n')}\n` : '', stderr: '' };
  }
  if (verb === 'delete' && sub && /^(certificates?|cert)(\.cert-manager\.io)?$/.test(sub) && rest[0]) {
    if (!world.reissueCertificate) return refuse('kubectl', 'this world serves no certificate (tls: true in gameday.yaml)');
    // cert-manager issues a Certificate afresh once it is deleted; the world serves the new one.
    await world.reissueCertificate();
    return ok(`certificate.cert-manager.io "${rest[0]}" deleted`);
  }
  if (verb !== 'rollout' || !sub || !['restart', 'undo', 'status'].includes(sub)) return refuse('kubectl', `"kubectl ${args.join(' ')}" is not modelled: ${modelled}`);
  // `statefulset/redis` or `statefulset redis`.
  const resource = rest[0]?.includes('/') ? rest[0] : rest.length >= 2 ? `${rest[0]}/${rest[1]}` : undefined;
  if (!resource) return refuse('kubectl', `rollout ${sub} needs a resource such as deployment/NAME`);
  const [kind, name] = resource.split('/') as [string, string];
  const shown = `${/^(sts|statefulsets?)$/.test(kind) ? 'statefulset' : /^(deploy|deployments?)$/.test(kind) ? 'deployment' : kind}.apps/${name}`;
  if (sub === 'status') {
    if (!partOf(name, world)) return refuse('kubectl', `no "${name}" in this world (it has: ${describeParts(world)})`);
    return ok(`${shown.replace('.apps/', ' "')}" successfully rolled out`);
  }
  if (sub === 'undo') {
    const part = partOf(name, world);
    if (part?.kind !== 'app') return refuse('kubectl', `rollout undo is modelled for the application only (${world.system}, ${world.system}-api), not "${name}"`);
    // The previous revision: the application's process started afresh, without what the bad release switched on.
    await world.restartApp();
    return ok(`${shown} rolled back`);
  }
  const done = await restartPart('kubectl', name, world);
  if (typeof done !== 'string') return done;
  return ok(`${shown} restarted${done ? ` (${done})` : ''}`);
}

/** `kubectl get pods [-n NAMESPACE]`: the pods the stand-in plays, in kubectl's columns (a pipe into grep is the shell's). */
async function getPods(args: readonly string[], world: ToolWorld): Promise<ToolResult> {
  const at = args.findIndex((a) => a === '-n' || a === '--namespace' || a.startsWith('--namespace='));
  const namespace = at < 0 ? undefined : args[at]!.startsWith('--namespace=') ? args[at]!.slice(12) : args[at + 1];
  if (namespace !== undefined && namespace !== world.system) return ok(`No resources found in ${namespace} namespace.`);
  if (!world.pods) return refuse('kubectl', `no pods in this world: its stand-in plays none (${world.system})`);
  const rows = await world.pods();
  const width = Math.max(4, ...rows.map((r) => r.name.length)) + 3;
  const line = (name: string, ready: string, status: string, restarts: string): string => `${name.padEnd(width)}${ready.padEnd(8)}${status.padEnd(19)}${restarts}`;
  return ok([line('NAME', 'READY', 'STATUS', 'RESTARTS'), ...rows.map((r) => line(r.name, r.ready, r.status, String(r.restarts)))].join('\n'));
}

/** `kubectl scale deployment NAME --replicas=N` (or `deployment/NAME`), on a deployment whose pods the stand-in plays. */
async function scale(args: readonly string[], sub: string | undefined, rest: readonly string[], world: ToolWorld): Promise<ToolResult> {
  const resource = sub?.includes('/') ? sub : sub && rest[0] ? `${sub}/${rest[0]}` : undefined;
  const [kind, name] = (resource?.split('/') ?? []) as [string?, string?];
  if (!kind || !name || !/^(deploy|deployments?)(\.apps)?$/.test(kind)) return refuse('kubectl', `scale is modelled for deployments (kubectl scale deployment NAME --replicas=N), not "${args.join(' ')}"`);
  const replicas = replicasOf(args);
  if (replicas === undefined || Number.isNaN(replicas)) return refuse('kubectl', 'scale needs --replicas=N (a whole number)');
  if (!world.scaleStandIn) return refuse('kubectl', `no deployment "${name}" whose pods this world plays`);
  await world.scaleStandIn(name, replicas);
  return ok(`deployment.apps/${name} scaled`);
}

async function systemctl(args: readonly string[], world: ToolWorld): Promise<ToolResult> {
  const [verb, ...units] = positional(args, new Set());
  if (!verb || !['restart', 'start', 'try-restart', 'reload-or-restart'].includes(verb) || units.length === 0) {
    return refuse('systemctl', `"systemctl ${args.join(' ')}" is not modelled: the world models \`systemctl restart|start UNIT…\``);
  }
  const lines: string[] = [];
  for (const unit of units) {
    const done = await restartPart('systemctl', unit, world);
    if (typeof done !== 'string') return done;
    if (done) lines.push(done);
  }
  // systemctl prints nothing on success.
  return { code: 0, stdout: lines.length > 0 ? `${lines.join('\n')}\n` : '', stderr: '' };
}

async function docker(args: readonly string[], world: ToolWorld): Promise<ToolResult> {
  const [verb, ...names] = positional(args, new Set(['-t', '--time', '-s', '--signal']));
  if (verb !== 'restart' || names.length === 0) return refuse('docker', `"docker ${args.join(' ')}" is not modelled: the world models \`docker restart NAME…\``);
  for (const name of names) {
    const done = await restartPart('docker', name, world);
    if (typeof done !== 'string') return done;
  }
  return ok(names.join('\n'));
}

/** sudo runs only the world's own tools, as the same user: nothing here gains a privilege. */
async function sudo(args: readonly string[], world: ToolWorld): Promise<ToolResult> {
  let i = 0;
  while (i < args.length && args[i]!.startsWith('-')) i += ['-u', '-g', '-C'].includes(args[i]!) ? 2 : 1;
  const program = args[i];
  const tool = program?.replace(/^.*\//, '') as WorldToolName | undefined;
  if (!tool || tool === 'sudo' || !(WORLD_TOOLS as readonly string[]).includes(tool)) {
    return refuse('sudo', `runs only the world's own tools (${WORLD_TOOLS.filter((t) => t !== 'sudo').join(', ')}), not "${program ?? ''}"`);
  }
  return runWorldTool(tool, args.slice(i + 1), world);
}

async function celery(args: readonly string[], world: ToolWorld): Promise<ToolResult> {
  if (!world.celery) return refuse('celery', 'no Celery app runs in this world');
  // `-A app` names the system's app: in the world it is the world's Celery app on its broker.
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-A' || a === '--app' || a === '-b' || a === '--broker') i++;
    else if (!/^(-A|--app=|-b|--broker=)/.test(a)) rest.push(a);
  }
  const verb = rest[0];
  if (!verb || !['inspect', 'status', 'call', 'report', 'result'].includes(verb)) {
    return refuse('celery', `"celery ${args.join(' ')}" is not modelled: the world models celery inspect, status and call`);
  }
  return world.celery(rest);
}

/**
 * `pg_ctl promote -D DIR`, "on replica to promote": the world has one replica, whatever the
 * directory the runbook names (its hosts' paths are not this world's); pg_ctl's own output is printed.
 */
async function pgCtl(args: readonly string[], world: ToolWorld): Promise<ToolResult> {
  const [verb] = positional(args, new Set(['-D', '--pgdata', '-t', '--timeout', '-m', '--mode', '-o', '-l', '--log']));
  if (verb !== 'promote') return refuse('pg_ctl', `"pg_ctl ${args.join(' ')}" is not modelled: the world models \`pg_ctl promote\` on its replica`);
  if (!world.promoteReplica) return refuse('pg_ctl', 'this world has no replica to promote (postgres: { replica: true, failover: true } in gameday.yaml)');
  return ok(await world.promoteReplica());
}

/** Runs one world tool's command line; never throws for a command it does not model. */
/** The step's variables a tool reads (mongosh: the application's connection string for an elided URL). */
export const TOOL_ENV = ['MONGO_URI'] as const;

export async function runWorldTool(tool: string, args: readonly string[], world: ToolWorld, env: Readonly<Record<string, string | undefined>> = {}): Promise<ToolResult> {
  try {
    switch (tool) {
      case 'kubectl':
        return await kubectl(args, world);
      case 'systemctl':
        return await systemctl(args, world);
      case 'docker':
        return await docker(args, world);
      case 'sudo':
        return await sudo(args, world);
      case 'celery':
        return await celery(args, world);
      case 'pg_ctl':
        return await pgCtl(args, world);
      case 'mongosh':
        return await mongosh(args, env);
      default:
        return refuse(tool, `not a tool of this world (${WORLD_TOOLS.join(', ')})`);
    }
  } catch (e) {
    return { code: 1, stdout: '', stderr: `${tool} (game-day world): ${(e as Error).message}\n` };
  }
}
