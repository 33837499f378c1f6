import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Clock } from '../lib/clock.js';
import { startCelery } from './celery.js';
import { makeCertificates } from './certificates.js';
import { startWorldMongo } from './mongo/index.js';
import { createDatabase, DEFAULT_PG_ADMIN_URL, freePort, startRedisServer, type GameDayDatabase, type RedisServer } from './services.js';
import type { GameDaySpec } from './spec.js';
import { startReceiver, type WebhookReceiver } from './receiver.js';
import { startStandinProcess, type StandinProcess } from './standin-process.js';

const HOUR = 3_600_000;

export type GameDayStore = 'sqlite' | 'postgres';

export interface WorldOptions {
  /** PostgreSQL to create the game day's database in (default postgres://postgres@127.0.0.1:5432/test). */
  pgAdminUrl?: string;
  /**
   * Where the daemon under test keeps its own state (`${GAMEDAY_STORE_URL}`): SQLite in the world's
   * data directory (default), or a second fresh database on the same PostgreSQL.
   */
  store?: GameDayStore;
}

/**
 * Everything one game day runs against, on loopback: a fresh database, a private redis-server, the
 * stand-in, a backup directory, a webhook receiver and, for HTTPS systems, certificates. `env` is
 * what the system's ops.yaml reads through `${GAMEDAY_…}`.
 */
export interface World {
  dir: string;
  dataDir: string;
  backupDir: string;
  env: Record<string, string>;
  database: GameDayDatabase;
  redis: RedisServer;
  standin: StandinProcess;
  receiver: WebhookReceiver;
  /** Writes the backups with a given age (ms) as of the clock's now: fresh, or stale for a scenario. */
  ageBackups(ageMs: number): Promise<void>;
  close(): Promise<void>;
}

export async function buildWorld(spec: GameDaySpec, systemDir: string, clock: Clock, options: WorldOptions = {}): Promise<World> {
  const dir = await mkdtemp(join(tmpdir(), `opsbook-gameday-${spec.system}-`));
  const closers: Array<() => Promise<void>> = [async () => rm(dir, { recursive: true, force: true })];
  const close = async (): Promise<void> => {
    for (const c of closers.reverse()) await c().catch(() => {});
  };
  try {
    const dataDir = join(dir, 'data');
    const backupDir = join(dir, 'backups');
    await mkdir(backupDir, { recursive: true });
    const pgAdminUrl = options.pgAdminUrl ?? DEFAULT_PG_ADMIN_URL;
    const database = await createDatabase(pgAdminUrl, spec.system);
    closers.push(() => database.drop());
    let storeUrl = join(dataDir, 'opsbook.db');
    if (options.store === 'postgres') {
      const storeDb = await createDatabase(pgAdminUrl, `${spec.system}_store`);
      closers.push(() => storeDb.drop());
      storeUrl = storeDb.url;
    }
    const redis = await startRedisServer();
    closers.push(() => redis.stop());
    const receiver = await startReceiver(clock);
    closers.push(() => receiver.close());
    const port = await freePort();
    // The password of a read-only `monitor` user that stand-ins of authenticated peers (OpenSearch) ask for.
    const monitorPassword = randomBytes(9).toString('base64url');
    const standinEnv: Record<string, string> = {
      STANDIN_PG_URL: database.url, STANDIN_REDIS_URL: redis.url, STANDIN_PORT: String(port), STANDIN_MONITOR_PASSWORD: monitorPassword,
    };
    const env: Record<string, string> = {
      GAMEDAY_DATA_DIR: dataDir,
      GAMEDAY_STORE_URL: storeUrl,
      GAMEDAY_PG_URL: database.url,
      GAMEDAY_REDIS_URL: redis.url,
      GAMEDAY_WEBHOOK_URL: receiver.url,
      GAMEDAY_WEBHOOK_SECRET: receiver.secret,
      GAMEDAY_BACKUP_DIR: backupDir,
      GAMEDAY_STANDIN_PORT: String(port),
      GAMEDAY_MONITOR_BASIC_AUTH: Buffer.from(`monitor:${monitorPassword}`).toString('base64'),
    };
    if (spec.tls) {
      const certs = await makeCertificates(dir);
      Object.assign(standinEnv, {
        STANDIN_TLS_CERT: certs.healthy.cert,
        STANDIN_TLS_KEY: certs.healthy.key,
        STANDIN_TLS_EXPIRING_CERT: certs.expiring.cert,
        STANDIN_TLS_EXPIRING_KEY: certs.expiring.key,
      });
      env.GAMEDAY_TLS_CA = certs.caFile;
    }
    if (spec.celery) {
      const { beat_period: period, reply_window: replyWindow, ...rest } = spec.celery;
      const beatPeriodMs = period.endsWith('ms') ? Number.parseInt(period, 10) : Number.parseInt(period, 10) * 1000;
      const broker = `${redis.url}/0`;
      const celery = await startCelery({ ...rest, beat_period_ms: beatPeriodMs }, broker);
      closers.push(() => celery.stop());
      env.GAMEDAY_CELERY_BROKER = broker;
      env.GAMEDAY_CELERY_BEAT_WINDOW = `${celery.beatWindowMs}ms`;
      env.GAMEDAY_CELERY_REPLY_WINDOW = replyWindow;
    }
    if (spec.mongodb) {
      const mongo = await startWorldMongo(monitorPassword);
      closers.push(() => mongo.responder.close());
      env.GAMEDAY_MONGO_URL = mongo.url;
    }
    const standin = await startStandinProcess(resolve(systemDir, spec.standin), standinEnv, spec.tls);
    closers.push(() => standin.stop());
    env.GAMEDAY_STANDIN_URL = standin.url;
    const ageBackups = async (ageMs: number): Promise<void> => {
      const at = (clock.now() - ageMs) / 1000;
      for (const name of spec.backups) {
        const file = join(backupDir, name);
        await writeFile(file, `-- ${spec.system} backup written by the game day\n`);
        await utimes(file, at, at);
      }
    };
    await ageBackups(HOUR);
    return { dir, dataDir, backupDir, env, database, redis, standin, receiver, ageBackups, close };
  } catch (e) {
    await close();
    throw e;
  }
}
