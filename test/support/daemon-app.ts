/**
 * A real daemon and its HTTP app over a config written to a temp folder, for tests that talk to the
 * server (in-process with `app.inject`, or over loopback with `listenOnLoopback`).
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Daemon, createLogger, type DaemonOptions } from '../../src/daemon/index.js';
import { buildServer } from '../../src/http/index.js';
import { createToken } from '../../src/identity/index.js';
import { writeFiles } from './files.js';
import { placeMigratedSqlite } from './migrated-database.js';

export interface DaemonApp {
  dir: string;
  daemon: Daemon;
  app: FastifyInstance;
  /** Stops the app and the daemon, runs `whileStopped` (e.g. a CLI on the same SQLite file), then starts both again over the folder. */
  restart(whileStopped?: () => unknown): Promise<void>;
  /** Stops the app and the daemon and removes the folder, even when stopping fails. */
  close(): Promise<void>;
}

export interface DaemonAppOptions extends Omit<DaemonOptions, 'configPath'> {
  /** Runs between the daemon's start and building the app (for settings the app reads once). */
  beforeServer?: (daemon: Daemon) => unknown;
}

/** A temp folder holding `files` (relative path → text; ops.yaml among them), the daemon for its ops.yaml, logging nothing (unless given a logger), and its app, ready. */
export async function startDaemonApp(prefix: string, files: Record<string, string>, options: DaemonAppOptions = {}): Promise<DaemonApp> {
  const { beforeServer, ...daemonOptions } = options;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `opsbook-${prefix}-`));
  const stop = async (running: { app: FastifyInstance; daemon: Daemon }) => {
    await running.app.close();
    await running.daemon.close();
  };
  const start = async (): Promise<{ daemon: Daemon; app: FastifyInstance }> => {
    const daemon = await Daemon.start({ ...daemonOptions, configPath: path.join(dir, 'ops.yaml'), logger: daemonOptions.logger ?? createLogger({ level: 'silent', pretty: false }) });
    try {
      await beforeServer?.(daemon);
      const app = buildServer(daemon);
      await app.ready();
      return { daemon, app };
    } catch (e) {
      await daemon.close();
      throw e;
    }
  };
  try {
    writeFiles(dir, files);
    // A config that names no storage has its store at the default place: it starts migrated.
    if (files['ops.yaml'] !== undefined && !/^storage:/m.test(files['ops.yaml'])) placeMigratedSqlite(path.join(dir, '.opsbook', 'opsbook.db'));
    const harness: DaemonApp = {
      dir,
      ...(await start()),
      async restart(whileStopped) {
        await stop(harness);
        await whileStopped?.();
        Object.assign(harness, await start());
      },
      async close() {
        try {
          await stop(harness);
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      },
    };
    return harness;
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** Serves the app on loopback at `port` (a free one by default, or the one its config's public_url names); answers its base URL (no trailing slash). */
export async function listenOnLoopback(app: FastifyInstance, port = 0): Promise<string> {
  await app.listen({ host: '127.0.0.1', port });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

/** An API token for each of `users`, issued by `admin`, a user in the config (an admin; or one of `users`, for a token of its own). */
export async function apiTokens(daemon: Daemon, admin: string, users: readonly string[]): Promise<Record<string, string>> {
  const issuer = { name: admin, role: 'admin' as const, via: 'cli' as const };
  const tokens: Record<string, string> = {};
  for (const user of users) tokens[user] = (await createToken({ store: daemon.store, clock: daemon.clock, users: daemon.config.users }, issuer, user)).token;
  return tokens;
}
