/**
 * The crash harness shared by the crash tests and `npm run torture`: a child process (one of the
 * tests' TypeScript scripts, see childArgs) that prints `ready` once it works, and SIGKILL at a
 * chosen moment.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { childArgs } from './child-script.js';
import { REPO_ROOT } from './cli.js';

/** Starts `script` (relative to the repository; see childArgs); resolves once it prints `ready`. Other stdout lines go to `onLine`. */
export async function startChild(script: string, args: string[], onLine: (line: string) => void = () => {}): Promise<ChildProcess> {
  const node = await childArgs(script);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...node, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let buffer = '';
    let ready = false;
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        if (line === 'ready' && !ready) {
          ready = true;
          resolve(child);
        } else if (line) onLine(line);
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (!ready) reject(new Error(`${script} exited before ready (${code ?? signal})`));
    });
  });
}

export function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

/** SIGKILL and wait for the exit; answers whether the child was still running when the signal landed. */
export async function kill9(child: ChildProcess): Promise<boolean> {
  const running = child.exitCode === null && child.signalCode === null;
  child.kill('SIGKILL');
  await exited(child);
  return running;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
