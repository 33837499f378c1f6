/** Helpers for the checks tests: run a check from its config as written, on the system clock. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SystemClock, type Clock } from '../../lib/clock.js';
import { checkSchema, type CheckConfigInput } from '../../config/schema/checks.js';
import { compileCheck } from '../compile.js';
import { runCheckOnce } from '../run-once.js';
import type { LoopDelayMonitor } from '../loop-delay.js';
import type { CheckResult, HeartbeatReader } from '../types.js';
import type { SampleStore } from '../../samples/index.js';

export async function runConfig(
  raw: Record<string, unknown>,
  opts: { clock?: Clock; state?: Record<string, unknown>; heartbeats?: HeartbeatReader; samples?: SampleStore; loopDelay?: { monitor: LoopDelayMonitor; boundMs: number } } = {},
): Promise<CheckResult> {
  const config = checkSchema.parse({ id: 'under-test', ...raw } as CheckConfigInput);
  return runCheckOnce(compileCheck(config), { clock: opts.clock ?? new SystemClock(), ...opts });
}

/** `text → ok` of every condition, for compact assertions. */
export function verdicts(r: CheckResult): Record<string, boolean> {
  return Object.fromEntries(r.conditions.map((c) => [c.text, c.ok]));
}

export interface TestCertificate {
  dir: string;
  key: string;
  cert: string;
  cleanup: () => void;
}

/** A self-signed certificate for localhost/127.0.0.1 that expires in `days`, made with openssl. */
export function makeCertificate(days: number): TestCertificate {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-cert-'));
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', String(days),
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
    { stdio: 'ignore' },
  );
  return { dir, key, cert, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
