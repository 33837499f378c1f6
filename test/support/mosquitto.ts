/**
 * A private Mosquitto broker on a free loopback port, for tests that need an outage or password
 * authentication without touching the shared broker on 1883.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/lib/net.js';
import { portOpen } from './stall.js';
import { scaled } from './timing.js';

export const MQTT_URL = process.env.OPSBOOK_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';

export interface PrivateMosquitto {
  port: number;
  url: string;
  stop(): Promise<void>;
}

/** Starts `mosquitto -c` with a listener on 127.0.0.1; with `users`, anonymous clients are refused. */
export async function startPrivateMosquitto(opts: { users?: Record<string, string> } = {}): Promise<PrivateMosquitto> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-mosquitto-'));
  const port = await freePort();
  // As root, mosquitto would switch to its own user and could not read the password file in our temp folder.
  const lines = [`listener ${port} 127.0.0.1`, 'persistence false', 'log_dest none', `user ${os.userInfo().username}`];
  if (opts.users) {
    const file = path.join(dir, 'passwd');
    fs.writeFileSync(file, '');
    for (const [user, password] of Object.entries(opts.users)) execFileSync('mosquitto_passwd', ['-b', file, user, password]);
    fs.chmodSync(file, 0o600);
    lines.push('allow_anonymous false', `password_file ${file}`);
  } else lines.push('allow_anonymous true');
  fs.writeFileSync(path.join(dir, 'mosquitto.conf'), `${lines.join('\n')}\n`);
  const child: ChildProcess = spawn('mosquitto', ['-c', path.join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
  for (const t0 = Date.now(); Date.now() - t0 < scaled(10_000) && !(await portOpen('127.0.0.1', port)); ) await new Promise((r) => setTimeout(r, 50));
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
