import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
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
  /** Makes an https stand-in serve this certificate (PEM files) from its next handshake on. */
  setCertificate(pair: { cert: string; key: string }): Promise<void>;
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
    // Generous: on a loaded machine tsx compiling the stand-in takes its time.
    const timer = setTimeout(() => reject(new Error('no URL within 120 s')), 120_000);
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
  const post = async (path: string, body: string): Promise<number> => {
    const request = url.startsWith('https') ? https.request : http.request;
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${url}${path}`, { method: 'POST', rejectUnauthorized: !insecureTls, headers: { 'content-type': 'application/json' } }, (res: http.IncomingMessage) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(body);
    });
    return status;
  };
  const setFaults = async (change: Record<string, boolean>): Promise<void> => {
    const body = JSON.stringify(change);
    const status = await post('/_gameday/faults', body);
    if (status !== 200) throw new OpsbookError('OPSBOOK_E_GAMEDAY_INVALID', `stand-in refused faults ${body} (HTTP ${status})`);
  };
  const setCertificate = async (pair: { cert: string; key: string }): Promise<void> => {
    const status = await post('/_gameday/certificate', JSON.stringify({ cert: await readFile(pair.cert, 'utf8'), key: await readFile(pair.key, 'utf8') }));
    if (status !== 200) throw new OpsbookError('OPSBOOK_E_GAMEDAY_INVALID', `stand-in ${file} cannot swap its certificate (HTTP ${status}): it serves HTTPS only with tls: true`);
  };
  return {
    url,
    setFaults,
    setCertificate,
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
