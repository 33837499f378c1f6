import { spawn, type ChildProcess } from 'node:child_process';

export function spawnNode(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
}

export function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/**
 * A bare node:http server in its own process answering every request with `body` (JSON) and
 * `headers`: the peer checks probe, or the floor a benchmark compares opsbook with.
 */
export function spawnJsonServer(
  port: number,
  body: string,
  headers: Record<string, string> = { 'content-type': 'application/json' },
  /** How long an idle keep-alive connection stays open (default 60 s; Node's own default is 5 s). */
  keepAliveTimeoutMs = 60_000,
): ChildProcess {
  const code = `const s=require('http').createServer((q,r)=>{r.writeHead(200,${JSON.stringify(headers)});r.end(${JSON.stringify(body)})});s.keepAliveTimeout=${keepAliveTimeoutMs};s.listen(${port},'127.0.0.1')`;
  return spawnNode(['-e', code]);
}

/** `n` processes that each keep one core busy: contention beside a benchmark (`--cpu-load N`). */
export function spawnCpuLoad(n: number): ChildProcess[] {
  return Array.from({ length: n }, () => spawnNode(['-e', 'for (;;) {}']));
}
