import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { trackProcessGroup } from '../../../lib/process-groups.js';
import type { CheckKind, Observation } from '../../types.js';
import { commandSchema, type CommandOptions } from './schema.js';

/**
 * Runs a command like a Kubernetes exec probe: exit code 0 passes. `[STDOUT]` (trimmed) and
 * `[VALUE]` (stdout as a number, when it is one) are usable in conditions. On timeout the whole
 * process group is killed, so a stuck `sh -c` cannot leave children behind.
 */
export const commandKind: CheckKind<CommandOptions> = {
  ...commandSchema,
  run: (config, ctx) =>
    new Promise<Observation>((resolve) => {
      const started = performance.now();
      const [file, args] = Array.isArray(config.command) ? [config.command[0]!, config.command.slice(1)] : ['/bin/sh', ['-c', config.command]];
      const child = spawn(file, args, {
        cwd: config.cwd,
        env: { ...process.env, ...config.env },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      const untrack = trackProcessGroup(child.pid);
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let outSize = 0;
      let errSize = 0;
      child.stdout.on('data', (c: Buffer) => {
        if (outSize < config.max_output) out.push(c);
        outSize += c.length;
      });
      child.stderr.on('data', (c: Buffer) => {
        if (errSize < config.max_output) err.push(c);
        errSize += c.length;
      });
      const kill = (): void => {
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      };
      ctx.signal.addEventListener('abort', kill, { once: true });
      let spawnError: string | undefined;
      child.once('error', (e) => {
        spawnError = e.message;
      });
      child.once('close', (code, signal) => {
        ctx.signal.removeEventListener('abort', kill);
        untrack();
        const stdout = Buffer.concat(out).toString('utf8').slice(0, config.max_output).trim();
        const stderr = Buffer.concat(err).toString('utf8').slice(0, config.max_output).trim();
        const values: Observation['values'] = { STDOUT: stdout, STDERR: stderr, RESPONSE_TIME: Math.round(performance.now() - started) };
        if (code !== null) values.EXIT_CODE = code;
        const n = stdout !== '' && Number.isFinite(Number(stdout)) ? Number(stdout) : undefined;
        if (n !== undefined) values.VALUE = n;
        const error = spawnError ?? (signal ? `killed by ${signal}` : undefined);
        resolve({ values, ...(n !== undefined ? { value: n } : {}), ...(error ? { error } : {}) });
      });
    }),
};
