import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { fileURLToPath } from 'node:url';
import { OpsbookError } from '../lib/errors/index.js';
import { spawnTracked } from './faults/processes.js';
import { standinCommand } from './standin-build.js';

/** The repository root: the stand-ins run with its node_modules. */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface StandinProcess {
  url: string;
  /** Switches faults on or off through the stand-in's own switchboard. */
  setFaults(change: Record<string, boolean>): Promise<void>;
  /** The stand-in's fault switches as they stand. */
  faults(): Promise<Record<string, boolean>>;
  /** POSTs JSON to one of the stand-in's own `/_gameday/…` endpoints; anything but 200 is an error. */
  admin(path: string, body: unknown): Promise<unknown>;
  /** Makes an https stand-in serve this certificate (PEM files) from its next handshake on. */
  setCertificate(pair: { cert: string; key: string }): Promise<void>;
  stop(): Promise<void>;
  /**
   * Stops the process (SIGTERM, SIGKILL past `graceMs`) and starts it again with the same
   * environment on the same port, as a service manager restarts an application: its connections
   * are closed and its in-memory state (faults, pools) starts afresh.
   */
  restart(graceMs?: number): Promise<void>;
  /** The last `tail` lines the current process wrote to stderr (its log; a restart starts a new one, as a new pod's). */
  logs(tail: number): string[];
}

/** Log lines kept per process. */
const LOG_LINES = 5000;

/**
 * Runs a stand-in (`examples/<system>/standin.ts`) as its own process with STANDIN_* env, the way
 * the system would run beside opsbook, and waits for the URL it prints. With `workDir` (the world's
 * directory, removed with it) the stand-in is compiled there first (see standin-build.ts).
 */
export async function startStandinProcess(file: string, env: Record<string, string>, insecureTls: boolean, workDir?: string): Promise<StandinProcess> {
  const args = await standinCommand(file, ROOT, workDir);
  let log: string[] = [];
  const launch = async (): Promise<{ child: ChildProcess; url: string }> => {
    // Tracked as the world's servers are: killed if the game day ends on a signal or a crash.
    const child = spawnTracked(process.execPath, args, {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const lines: string[] = [];
    let rest = '';
    child.stderr!.on('data', (c: Buffer) => {
      const text = c.toString();
      stderr = (stderr + text).slice(-4000);
      const parts = (rest + text).split('\n');
      rest = parts.pop()!;
      lines.push(...parts);
      if (lines.length > 2 * LOG_LINES) lines.splice(0, lines.length - LOG_LINES);
    });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      // Start-up can take minutes on a loaded machine; left as soon as it prints its URL.
      const timer = setTimeout(() => reject(new Error('no URL within 180 s')), 180_000);
      const onData = (c: Buffer): void => {
        out += c.toString();
        const line = out.split('\n').find((l) => /^https?:\/\//.test(l.trim()));
        if (!line) return;
        clearTimeout(timer);
        // Only the URL was wanted: what the stand-in prints later is read and dropped, not kept.
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        out = '';
        resolve(line.trim());
      };
      child.stdout!.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`exited with ${code}`));
      });
    }).catch((e: Error) => {
      child.kill('SIGKILL');
      throw new OpsbookError('OPSBOOK_E_GAMEDAY_WORLD', `stand-in ${file} did not start: ${e.message}\n${stderr}`);
    });
    log = lines;
    return { child, url };
  };
  const first = await launch();
  const url = first.url;
  let child = first.child;
  // The switchboard is on the stand-in itself; a self-signed HTTPS stand-in is reached with node:https.
  const call = (method: 'GET' | 'POST', path: string, body = ''): Promise<{ status: number; body: string }> => {
    const request = url.startsWith('https') ? https.request : http.request;
    return new Promise((resolve, reject) => {
      const req = request(`${url}${path}`, { method, rejectUnauthorized: !insecureTls, headers: { 'content-type': 'application/json' } }, (res: http.IncomingMessage) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  };
  const post = async (path: string, body: string): Promise<number> => (await call('POST', path, body)).status;
  const setFaults = async (change: Record<string, boolean>): Promise<void> => {
    const body = JSON.stringify(change);
    const status = await post('/_gameday/faults', body);
    if (status !== 200) throw new OpsbookError('OPSBOOK_E_GAMEDAY_INVALID', `stand-in refused faults ${body} (HTTP ${status})`);
  };
  const setCertificate = async (pair: { cert: string; key: string }): Promise<void> => {
    const status = await post('/_gameday/certificate', JSON.stringify({ cert: await readFile(pair.cert, 'utf8'), key: await readFile(pair.key, 'utf8') }));
    if (status !== 200) throw new OpsbookError('OPSBOOK_E_GAMEDAY_INVALID', `stand-in ${file} cannot swap its certificate (HTTP ${status}): it serves HTTPS only with tls: true`);
  };
  const stop = (graceMs = 5000): Promise<void> =>
    new Promise<void>((resolve) => {
      const c = child;
      if (c.exitCode !== null || c.signalCode !== null) return resolve();
      const kill = setTimeout(() => c.kill('SIGKILL'), graceMs);
      c.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      c.kill('SIGTERM');
    });
  return {
    url,
    setFaults,
    faults: async () => JSON.parse((await call('GET', '/_gameday/faults')).body) as Record<string, boolean>,
    admin: async (path, body) => {
      const r = await call('POST', path, JSON.stringify(body));
      if (r.status !== 200) throw new OpsbookError('OPSBOOK_E_GAMEDAY_INVALID', `stand-in ${file} refused ${path} (HTTP ${r.status}): ${r.body.slice(0, 200)}`);
      return JSON.parse(r.body || '{}') as unknown;
    },
    setCertificate,
    logs: (tail) => log.slice(-tail),
    stop: () => stop(),
    restart: async (graceMs = 2000) => {
      await stop(graceMs);
      const next = await launch();
      if (next.url !== url) {
        next.child.kill('SIGKILL');
        throw new OpsbookError('OPSBOOK_E_GAMEDAY_WORLD', `stand-in ${file} came back on ${next.url}, not ${url}`);
      }
      child = next.child;
    },
  };
}
