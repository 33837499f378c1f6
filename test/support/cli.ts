import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitForHttp } from './net.js';
import { writeFiles } from './files.js';
import { scaled } from './timing.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const OPSBOOK_BIN = path.join(REPO_ROOT, 'bin/opsbook.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `opsbook ARGS` as a real child process and collects its output. */
export function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [OPSBOOK_BIN, ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, ...options.env, FORCE_COLOR: '0' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** Starts a long-running `opsbook ARGS` (e.g. serve); the caller stops it. */
export function startCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [OPSBOOK_BIN, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, ...options.env, FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  return { child, output: () => out };
}

/**
 * Resolves with the exit code and the milliseconds it took after `since` (measured at the exit), once
 * the child's output has been read to its end: a loaded machine can deliver the last lines of stdout
 * after the exit event, and a test reading `output()` then must see them.
 */
export function waitForExit(child: ChildProcess, since = Date.now()): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
  return new Promise((resolve) => {
    let ms: number | undefined;
    const exited = () => child.exitCode !== null || child.signalCode !== null;
    const done = () => resolve({ code: child.exitCode, signal: child.signalCode, ms: ms ?? Date.now() - since });
    const open = [child.stdout, child.stderr].filter((s) => s && !s.destroyed && !s.readableEnded);
    if (exited()) ms = Date.now() - since;
    if (exited() && open.length === 0) return done();
    child.once('exit', () => (ms = Date.now() - since));
    // 'close' follows the exit once every stdio stream has ended. A grandchild that kept a pipe open
    // would hold it back: after the exit, the output is taken as it is after a bounded wait.
    child.once('close', done);
    child.once('exit', () => setTimeout(done, scaled(10_000)).unref());
  });
}

export interface ServedCli {
  /** The daemon's base URL on loopback (no trailing slash). */
  url: string;
  /** The temp folder holding the files. */
  dir: string;
  /** Its ops.yaml, for CLI runs on the daemon's own store (`--config`). */
  config: string;
  child: ChildProcess;
  /** What the daemon has printed so far, stdout and stderr. */
  output: () => string;
  /** Milliseconds from the start until /_health/ready answered 200. */
  readyAfter: number;
  /** Stops the daemon (SIGTERM; SIGKILL and an error when it is still running 10 s later) and removes the folder, even when stopping fails. */
  close(): Promise<void>;
}

export interface ServeCliOptions {
  /** Let the daemon watch its config files (default: off, `--no-watch`). */
  watch?: boolean;
  /** How long to wait for /_health/ready on a quiet machine (default 30 s; scaled to the load here). */
  readyTimeoutMs?: number;
  /** Serve the folder (`--config DIR`, every YAML file of it) rather than its ops.yaml. */
  directory?: boolean;
  /** Lays the written files out otherwise before the start (as a Kubernetes ConfigMap volume does, say). */
  arrange?: (dir: string) => void;
}

/** `opsbook serve` as a real child process on a free loopback port, over a temp folder holding `files` (relative path → text; ops.yaml among them), ready. */
export async function serveCli(prefix: string, files: Record<string, string>, options: ServeCliOptions = {}): Promise<ServedCli> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `opsbook-${prefix}-`));
  const config = path.join(dir, 'ops.yaml');
  let run: ReturnType<typeof startCli> | undefined;
  try {
    writeFiles(dir, files);
    options.arrange?.(dir);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    run = startCli(['serve', '--config', options.directory ? dir : config, '--port', String(port), ...(options.watch ? [] : ['--no-watch'])]);
    const { child, output } = run;
    const readyAfter = await waitForHttp(`${url}/_health/ready`, options.readyTimeoutMs ?? 30_000, 200, child).catch((e: Error) => {
      throw new Error(`${e.message}\n${output()}`);
    });
    return {
      url,
      dir,
      config,
      child,
      output,
      readyAfter,
      async close() {
        try {
          await stopServe(child, output);
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (e) {
    if (run) {
      run.child.kill('SIGKILL');
      await waitForExit(run.child);
    }
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** SIGTERM, then SIGKILL and a failure if it has not left after `quietTimeoutMs` of a quiet machine, scaled to the load here. */
async function stopServe(child: ChildProcess, output: () => string, quietTimeoutMs = 10_000): Promise<void> {
  const timeoutMs = scaled(quietTimeoutMs);
  const exited = waitForExit(child);
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const stopped = await Promise.race([exited.then(() => true), new Promise<false>((r) => (timer = setTimeout(() => r(false), timeoutMs)))]);
  clearTimeout(timer);
  if (!stopped) {
    child.kill('SIGKILL');
    await exited;
    throw new Error(`opsbook serve was still running ${timeoutMs} ms after SIGTERM\n${output()}`);
  }
}
