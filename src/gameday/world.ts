import { randomBytes } from 'node:crypto';
import { access, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { Clock } from '../lib/clock.js';
import { OpsbookError } from '../lib/errors/index.js';
import { createScratchDatabase } from '../store/index.js';
import { backupJobs, type BackupJobs } from './backup-jobs.js';
import { startCelery, type CeleryWorld } from './celery.js';
import { makeCertificates, type GameDayCertificates } from './certificates.js';
import { deleteBackups, emptyBackups, setBackupAge, writeBackups } from './faults/backups.js';
import { connectionHold } from './faults/connections.js';
import { writeHostLogs } from './faults/logs.js';
import { addBullJobs, enqueueCeleryJobs, removeBullJobs } from './faults/jobs.js';
import { recordDatabase, recordDir, sweepLeftovers } from './faults/leftovers.js';
import { startPrivatePostgres, type PrivatePostgres } from './faults/postgres-cluster.js';
import { replicationLag } from './faults/replication-lag.js';
import { walArchive } from './faults/wal-archive.js';
import { startTcpProxy, type ProxyMode } from './faults/socket-proxy.js';
import { proxiesFor, type Fault, type FaultTarget } from './faults/index.js';
import { startWorldMongo } from './mongo/index.js';
import { createDatabase, DEFAULT_PG_ADMIN_URL, freePort, startRedisServer, type GameDayDatabase, type RedisServer } from './services.js';
import type { GameDaySpec } from './spec.js';
import { createStoreDatabase } from './store-template.js';
import { startReceiver, type WebhookReceiver } from './receiver.js';
import { channelPeersEnv, startChannelPeers, type ChannelPeers } from './peers.js';
import { startStandinProcess, type StandinProcess } from './standin-process.js';
import { startWorldTools, type PodRow, type ToolWorld, type WorldTools } from './tools/index.js';
import { Laps } from './laps.js';
import { startTraffic, type Traffic } from './traffic.js';
import { performance } from 'node:perf_hooks';

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
  /**
   * The faults the world will put in (its scenarios' and drills'). Given, the loopback proxies that
   * only some faults act through — the socket in front of the stand-in, the failover's addresses —
   * are made only when one of them does: every byte through a proxy is relayed by this process, and
   * the probes' traffic through them cost it more CPU than any other part of a world. Absent: all are made.
   */
  faults?: readonly Fault[];
}

/**
 * Everything one game day runs against, on loopback: a fresh database (on a private cluster with a
 * streaming replica when the spec asks), a private redis-server, the stand-in behind a TCP proxy,
 * real backups, a webhook receiver, Slack, Twilio and SMTP peers for the other channels and, for HTTPS
 * systems, a certificate authority. `env` is what the
 * system's ops.yaml reads through `${GAMEDAY_…}`. It is the FaultTarget every fault acts on.
 */
export interface World extends FaultTarget {
  dir: string;
  dataDir: string;
  backupDir: string;
  env: Record<string, string>;
  database: GameDayDatabase;
  redis: RedisServer & FaultTarget['redis'];
  standin: StandinProcess;
  receiver: WebhookReceiver;
  /** Where pages to Slack, Twilio (SMS, voice) and email go in this world. */
  peers: ChannelPeers;
  /** kubectl, systemctl, docker, sudo and celery on the steps' PATH, acting on this world (src/gameday/tools). */
  tools: WorldTools;
  /** The backup jobs reporting to heartbeat checks (`backup_jobs:`); the runner starts them once the daemon runs. */
  backupJobs?: BackupJobs;
  /** Writes the backups with a given age (ms) as of the clock's now: fresh, or stale for a scenario. */
  ageBackups(ageMs: number): Promise<void>;
  /** Mends whatever faults are on and stops every part: no process, cluster, directory or database stays. */
  close(): Promise<void>;
  /** Real seconds its parts took to start (and, after close, to stop). */
  laps: Laps;
  /** The application's users (gameday.yaml `traffic:`), when the spec has them. */
  traffic?: Traffic;
}

export async function buildWorld(spec: GameDaySpec, systemDir: string, clock: Clock, options: WorldOptions = {}): Promise<World> {
  const laps = new Laps();
  await laps.time('sweep', () => sweepLeftovers());
  const dir = await mkdtemp(join(tmpdir(), `opsbook-gameday-${spec.system}-`));
  const forgetDir = recordDir(dir);
  const closers: Array<() => Promise<void>> = [async () => {
    await rm(dir, { recursive: true, force: true });
    forgetDir();
  }];
  const close = async (): Promise<void> => {
    const t = performance.now();
    for (const c of closers.splice(0).reverse()) await c().catch(() => {});
    laps.add('close', t);
  };
  try {
    const dataDir = join(dir, 'data');
    const backupDir = join(dir, 'backups');
    await mkdir(backupDir, { recursive: true });
    const logDir = await writeHostLogs(dir, clock.now());
    const pgAdminUrl = options.pgAdminUrl ?? DEFAULT_PG_ADMIN_URL;
    const proxies = options.faults ? proxiesFor(options.faults) : { standin: true, failover: true };
    // The slow parts (a private cluster, Celery's Python) start at once and are awaited when needed.
    const clusterStarting: Promise<PrivatePostgres> | undefined = spec.postgres
      ? laps.time('cluster (beside)', () => startPrivatePostgres({ maxConnections: spec.postgres!.max_connections, replica: spec.postgres!.replica, archive: spec.postgres!.archive, failover: spec.postgres!.failover && proxies.failover }))
      : undefined;
    clusterStarting?.catch(() => {});
    closers.push(async () => (await clusterStarting?.catch(() => undefined))?.close());
    let storeUrl = join(dataDir, 'opsbook.db');
    if (options.store === 'postgres') {
      // A copy of the run's migrated store (store-template.ts), its commits not waiting for the WAL flush as the world's own database.
      const storeDb = await laps.time('store database', () => createStoreDatabase(pgAdminUrl, `${spec.system}_store`, { synchronous_commit: 'off' }));
      const forget = recordDatabase(pgAdminUrl, storeDb.name);
      closers.push(async () => {
        await storeDb.drop();
        forget();
      });
      storeUrl = storeDb.url;
    }
    const redis = await laps.time('redis', () => startRedisServer());
    closers.push(() => redis.stop());
    const broker = `${redis.url}/0`;
    const celeryStarting = spec.celery ? laps.time('celery (beside)', () => startCelery(celeryWorldSpec(spec.celery!), broker)) : undefined;
    celeryStarting?.catch(() => {});
    closers.push(async () => (await celeryStarting?.catch(() => undefined))?.stop());
    const receiver = await startReceiver(clock);
    closers.push(() => receiver.close());
    const peers = await startChannelPeers(clock);
    closers.push(() => peers.close());
    const cluster = await laps.time('cluster wait', async () => clusterStarting);
    let database: GameDayDatabase;
    const t = performance.now();
    if (cluster) {
      database = await createScratchDatabase(cluster.url(), spec.postgres?.database ?? `opsbook_gameday_${spec.system.replace(/[^a-z0-9]/g, '_')}`);
    } else {
      database = await createDatabase(pgAdminUrl, spec.system);
      const forget = recordDatabase(pgAdminUrl, database.name);
      const db = database;
      closers.push(async () => {
        await db.drop();
        forget();
      });
    }
    laps.add('database', t);
    const port = await freePort();
    // Every client of the stand-in goes through this proxy when the socket faults act here.
    const proxy = proxies.standin ? await startTcpProxy({ host: '127.0.0.1', port }) : undefined;
    if (proxy) closers.push(() => proxy.close());
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
      ...channelPeersEnv(peers),
      GAMEDAY_BACKUP_DIR: backupDir,
      GAMEDAY_LOG_DIR: logDir,
      GAMEDAY_STANDIN_PORT: String(proxy?.port ?? port),
      GAMEDAY_MONITOR_BASIC_AUTH: Buffer.from(`monitor:${monitorPassword}`).toString('base64'),
    };
    if (cluster?.replica) env.GAMEDAY_PG_REPLICA_URL = cluster.replica.url(database.name);
    if (cluster?.walArchiveDir) env.GAMEDAY_WAL_ARCHIVE_DIR = cluster.walArchiveDir;
    let certs: GameDayCertificates | undefined;
    if (spec.tls) {
      certs = await laps.time('certificates', () => makeCertificates(dir, clock.now()));
      Object.assign(standinEnv, {
        STANDIN_TLS_CERT: certs.healthy.cert,
        STANDIN_TLS_KEY: certs.healthy.key,
        STANDIN_TLS_EXPIRING_CERT: certs.expiring.cert,
        STANDIN_TLS_EXPIRING_KEY: certs.expiring.key,
      });
      env.GAMEDAY_TLS_CA = certs.caFile;
    }
    let mongodb: FaultTarget['mongodb'];
    if (spec.mongodb) {
      const mongo = await startWorldMongo(monitorPassword);
      closers.push(() => mongo.responder.close());
      env.GAMEDAY_MONGO_URL = mongo.url;
      mongodb = { stop: () => mongo.responder.stop(), start: () => mongo.responder.start(), slow: (ms) => mongo.responder.slow('ping', ms) };
    }
    const standin = await laps.time('stand-in', () => startStandinProcess(resolve(systemDir, spec.standin), standinEnv, spec.tls, dir));
    closers.push(() => standin.stop());
    env.GAMEDAY_STANDIN_URL = proxy ? standin.url.replace(`:${port}`, `:${proxy.port}`) : standin.url;
    let traffic: Traffic | undefined;
    if (spec.traffic) {
      const t = startTraffic(clock, { url: env.GAMEDAY_STANDIN_URL, path: spec.traffic.path, requests: spec.traffic.requests, everyMs: spec.traffic.every, ...(env.GAMEDAY_TLS_CA ? { caFile: env.GAMEDAY_TLS_CA } : {}) });
      traffic = t;
      closers.push(() => t.stop());
    }
    const celery: CeleryWorld | undefined = await laps.time('celery wait', async () => celeryStarting);
    if (celery) {
      env.GAMEDAY_CELERY_BROKER = broker;
      env.GAMEDAY_CELERY_BEAT_WINDOW = `${celery.beatWindowMs}ms`;
      env.GAMEDAY_CELERY_REPLY_WINDOW = spec.celery!.reply_window;
    }

    const withRedis = async <T>(f: (r: Redis) => Promise<T>): Promise<T> => {
      const r = new Redis(redis.url, { maxRetriesPerRequest: 1, retryStrategy: () => null });
      r.on('error', () => {});
      try {
        return await f(r);
      } finally {
        r.disconnect();
      }
    };
    const backups = {
      fresh: () => writeBackups(database.url, backupDir, spec.backups, clock.now() - HOUR),
      age: async (ageMs?: number): Promise<void> => {
        const present = await Promise.all(spec.backups.map((n) => access(join(backupDir, n)).then(() => true, () => false)));
        if (present.includes(false)) await backups.fresh();
        await setBackupAge(backupDir, spec.backups, clock.now() - (ageMs ?? HOUR));
      },
      remove: () => deleteBackups(backupDir, spec.backups),
      empty: () => emptyBackups(backupDir, spec.backups),
    };
    await laps.time('backups', () => backups.fresh());
    const jobs = spec.backup_jobs.length > 0
      ? backupJobs(spec.backup_jobs.map((j) => ({ heartbeat: j.heartbeat, everyMs: j.every, name: j.name })), { dir, backupDir, databaseUrl: database.url }, clock)
      : undefined;
    if (jobs) {
      env.GAMEDAY_BACKUP_JOBS_DIR = jobs.dir;
      closers.push(() => jobs.close());
    }

    const lag = cluster?.replica ? replicationLag(cluster.url(), cluster.replica.url()) : undefined;
    const failover = cluster?.failover;
    const postgres = cluster
      ? {
          connections: connectionHold(database.url),
          ...(lag ? { replicationLag: lag } : {}),
          ...(cluster.walArchiveDir ? { walArchive: walArchive(database.url, cluster.walArchiveDir) } : {}),
          ...(failover
            ? {
                failover: {
                  stopPrimary: () => failover.stopPrimary(),
                  restore: async () => {
                    await failover.restore();
                    // Its sessions were on servers the failover stopped or re-pointed: the next use opens new ones.
                    await lag?.close();
                  },
                },
              }
            : {}),
        }
      : undefined;
    if (postgres) {
      // Before the cluster stops (closers run in reverse): held connections closed, replay resumed.
      closers.push(() => postgres.connections.release());
      if (postgres.replicationLag) closers.push(() => postgres.replicationLag!.close());
    }
    const rows: FaultTarget['rows'] = {
      run: async (sql) => {
        const c = new pg.Client({ connectionString: database.url });
        c.on('error', () => {});
        await c.connect();
        try {
          await c.query('BEGIN');
          await c.query(sql);
          await c.query('COMMIT');
        } catch (e) {
          await c.query('ROLLBACK').catch(() => {});
          throw new OpsbookError('OPSBOOK_E_GAMEDAY_WORLD', `the fault's SQL failed on the world's database: ${(e as Error).message}`);
        } finally {
          await c.end().catch(() => {});
        }
      },
    };
    const bullJobs = new Map<string, string[]>();
    const redisJobs: FaultTarget['redisJobs'] = {
      add: async (key, jobs) => {
        const ids = await withRedis((r) => addBullJobs(r, key, jobs, clock.now()));
        bullJobs.set(key, [...(bullJobs.get(key) ?? []), ...ids]);
      },
      remove: async (key) => {
        const ids = bullJobs.get(key) ?? [];
        await withRedis((r) => removeBullJobs(r, key, ids));
        bullJobs.delete(key);
      },
    };
    const celeryTarget: FaultTarget['celery'] = celery && {
      workers: celery.workers,
      ...(celery.beat ? { beat: { tasks: spec.celery!.beat_tasks, unscheduled: celery.beat.unscheduled, restart: celery.beat.restart } } : {}),
      backlog: async (queue, jobs) => {
        for (const w of celery!.workers.filter((x) => x.queues.includes(queue))) w.freeze();
        await withRedis((r) => enqueueCeleryJobs(r, queue, jobs));
      },
      drain: async (queue) => {
        for (const w of celery!.workers.filter((x) => x.queues.includes(queue))) w.thaw();
        await withRedis(async (r) => {
          for (let i = 0; i < 1200 && (await r.llen(queue)) > 0; i++) await new Promise((res) => setTimeout(res, 100));
        });
      },
    };
    const certificates: FaultTarget['certificates'] = certs && {
      serve: async (inMs) => {
        const notAfter = clock.now() + inMs;
        const pair = await certs!.issue(`served-${randomBytes(3).toString('hex')}`, Math.min(clock.now(), notAfter) - 30 * 24 * HOUR, notAfter);
        await standin.setCertificate(pair);
      },
      serveHealthy: () => standin.setCertificate(certs!.healthy),
    };
    const http = {
      setMode: async (mode: ProxyMode): Promise<void> => {
        if (!proxy) throw new OpsbookError('OPSBOOK_E_GAMEDAY_WORLD', 'this world was built without the socket in front of the stand-in: none of its faults was a socket fault');
        await proxy.setMode(mode);
        // Kept-alive connections of the probes would bypass the new mode.
        proxy.dropConnections();
      },
    };
    const ageBackups = (ageMs: number): Promise<void> => backups.age(ageMs);
    const standinFaults = Object.keys(await standin.faults());
    const toolWorld: ToolWorld = {
      system: spec.system,
      standInWorkers: !celery && standinFaults.some((k) => k.startsWith('worker_')),
      restartRedis: async () => {
        await redis.stop();
        await redis.start();
      },
      restartApp: () => standin.restart(),
      ...(failover ? { promoteReplica: () => failover.promote() } : {}),
      appLogs: (tail) => standin.logs(tail),
      ...(certificates ? { reissueCertificate: () => certificates.serve(90 * 24 * HOUR) } : {}),
      restartStandInPeer: async (peer) => {
        const current = await standin.faults();
        const on = Object.keys(current).filter((k) => k.startsWith(`${peer}_`) && current[k]);
        if (on.length > 0) await standin.setFaults(Object.fromEntries(on.map((k) => [k, false])));
        return on;
      },
      scaleStandIn: async (deployment, replicas) => {
        await standin.admin('/_gameday/scale', { deployment, replicas });
      },
      // A stand-in that plays no pods answers 404, which kubectl reports.
      pods: async () => ((await standin.admin('/_gameday/pods', {})) as { pods: PodRow[] }).pods,
      ...(celery
        ? {
            restartWorkers: async () => {
              for (const w of celery.workers) await w.stop();
              for (const w of celery.workers) await w.start();
              return celery.workers.map((w) => w.name);
            },
            celery: (args: string[]) => celery.cli(args),
          }
        : {}),
    };
    const tools = await laps.time('tools', () => startWorldTools(join(dir, 'tools'), toolWorld));
    closers.push(() => tools.close());
    return {
      dir, dataDir, backupDir, env, database, redis, standin, receiver, peers, tools, ageBackups, close, laps,
      backups, redisJobs, http, rows,
      ...(postgres ? { postgres } : {}),
      ...(celeryTarget ? { celery: celeryTarget } : {}),
      ...(certificates ? { certificates } : {}),
      ...(mongodb ? { mongodb } : {}),
      ...(jobs ? { backupJobs: jobs } : {}),
      ...(traffic ? { traffic } : {}),
    };
  } catch (e) {
    await close();
    throw e;
  }
}

function celeryWorldSpec(c: NonNullable<GameDaySpec['celery']>): Parameters<typeof startCelery>[0] {
  const { beat_period: period, reply_window: _replyWindow, ...rest } = c;
  const beatPeriodMs = period.endsWith('ms') ? Number.parseInt(period, 10) : Number.parseInt(period, 10) * 1000;
  return { ...rest, beat_period_ms: beatPeriodMs };
}
