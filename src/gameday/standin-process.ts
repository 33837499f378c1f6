import { spawn } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import { fileURLToPath } from 'node:url';
import { OpsbookError } from '../lib/errors/index.js';

/** The repository root: the stand-ins run with its tsx loader. */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface StandinProcess {
  url: string;
  /** Switches faults on or off through the stand-in's own switchboard. */
  setFaults(change: Record<string, boolean>): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Runs a stand-in (`examples/<system>/standin.ts`) as its own process with STANDIN_* env, the way
 * the system would run beside opsbook, and waits for the URL it prints.
 */
export async function startStandinProcess(file: string, env: Record<string, string>, insecureTls: boolean): Promise<StandinProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', file], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('no URL within 30 s')), 30_000);
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n').find((l) => /^https?:\/\//.test(l.trim()));
      if (line) {
        clearTimeout(timer);
        resolve(line.trim());
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}`));
    });
  }).catch((e: Error) => {
    child.kill('SIGKILL');
    throw new OpsbookError('OPSBOOK_E_GAMEDAY_WORLD', `stand-in ${file} did not start: ${e.message}\n${stderr}`);
  });
  // The switchboard is on the stand-in itself; a self-signed HTTPS stand-in is reached with node:https.
  const setFaults = async (change: Record<string, boolean>): Promise<void> => {
    const body = JSON.stringify(change);
    const request = url.startsWith('https') ? https.request : http.request;
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${url}/_gameday/faults`, { method: 'POST', rejectUnauthorized: !insecureTls, headers: { 'content-type': 'application/json' } }, (res: http.IncomingMessage) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(body);
    });
    if (status !== 200) throw new OpsbookError('OPSBOOK_E_GAMEDAY_INVALID', `stand-in refused faults ${body} (HTTP ${status})`);
  };
  return {
    url,
    setFaults,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
