/**
 * A real daemon with one on-call schedule, `primary`, on a simulated clock, for the tests of the
 * on-call API and its calendar feeds.
 */
import { afterAll, beforeAll } from 'vitest';
import { SimulatedClock } from '../../src/lib/clock.js';
import { apiTokens, startDaemonApp, type DaemonApp } from './daemon-app.js';

export interface PrimaryScheduleOptions {
  /** The config's users by name; `root`, an admin among them, issues the API tokens. */
  users: Record<string, 'responder' | 'viewer' | 'admin'>;
  /** Who takes turns on `primary`, a day each from 2026-03-23, handing over at 09:00 Europe/Berlin. */
  rotation: string[];
  /** The schedule's overrides in the config. */
  overrides: Array<{ user: string; start: string; end: string }>;
  /** The users given an API token. */
  tokensFor: string[];
  /** Run the operations pipeline (default true). */
  operations?: boolean;
}

export interface PrimaryScheduleDaemon {
  readonly server: DaemonApp;
  readonly app: DaemonApp['app'];
  /** The API tokens, by user. */
  readonly tokens: Record<string, string>;
}

/**
 * Registers the suite's hooks: the daemon (public URL http://opsbook.test, its clock at
 * 2026-03-26T12:00Z) and its users' tokens before its tests, the daemon closed after them.
 */
export function primaryScheduleDaemon(prefix: string, options: PrimaryScheduleOptions): PrimaryScheduleDaemon {
  let server: DaemonApp | undefined;
  let tokens: Record<string, string> = {};
  const users = Object.entries(options.users).map(([name, role]) => `  - { name: ${name}, role: ${role} }\n`);
  const overrides = options.overrides.map((o) => `      - { user: ${o.user}, start: "${o.start}", end: "${o.end}" }\n`);
  const config =
    `server:\n  public_url: http://opsbook.test\nusers:\n${users.join('')}` +
    `schedules:\n  - id: primary\n    time_zone: Europe/Berlin\n    layers:\n      - users: [${options.rotation.join(', ')}]\n` +
    `        rotation: { length: 1d, handoff: "09:00", start: 2026-03-23 }\n    overrides:\n${overrides.join('')}`;

  beforeAll(async () => {
    const clock = new SimulatedClock(Date.parse('2026-03-26T12:00:00Z'));
    server = await startDaemonApp(prefix, { 'ops.yaml': config }, { clock, ...(options.operations === undefined ? {} : { operations: options.operations }) });
    tokens = await apiTokens(server.daemon, 'root', options.tokensFor);
  });
  afterAll(async () => {
    await server?.close();
  });

  return {
    get server() {
      return server!;
    },
    get app() {
      return server!.app;
    },
    get tokens() {
      return tokens;
    },
  };
}
