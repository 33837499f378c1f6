import { z } from 'zod';
import { duration } from '../../config/schema/common.js';
import { formatDuration } from '../../lib/duration.js';
import { OpsbookError } from '../../lib/errors/index.js';
import type { FaultTarget } from './target.js';

export type { FaultTarget } from './target.js';
export { restoreBackup, type RestoreTimings } from './backups.js';

const percent = z.string().regex(/^\d{1,2}(\.\d+)?%$/, 'a share of max_connections such as 85%');

/**
 * How a scenario breaks the world, and how the world is mended again. Every fault kind has a schema
 * entry here, a line in `describeFault` and a branch in `applyFault`; the runner knows none of them.
 * Each acts on a real thing of the world (a process, a server, a file, a socket) except `faults`,
 * which switches a stand-in's own figures, and `mongodb`, whose server is a protocol stand-in: those
 * are marked `stand-in` in the game day's output.
 */
export const faultSchema = z.union([
  z.strictObject({ faults: z.record(z.string(), z.literal(true)).refine((f) => Object.keys(f).length > 0, 'name at least one fault') })
    .describe('stand-in: switch the stand-in’s own faults on (POST /_gameday/faults); off again afterwards. For peers with no server here (MongoDB, MinIO, OpenSearch, Kubernetes).'),
  z.strictObject({ redis: z.enum(['down', 'stalled']) })
    .describe('The private redis-server: `down` kills it (connection refused), started again empty on the same port; `stalled` SIGSTOPs it (connections accepted, nothing answered), SIGCONT mends it.'),
  z.strictObject({ backup: z.literal('stale'), age: duration({ min: '1m' }).prefault('48h') })
    .describe('Make the world’s backup files this old (default two days); mended by dating them an hour back.'),
  z.strictObject({ backup: z.enum(['missing', 'empty']) })
    .describe('Delete the world’s backup files, or replace them by what a failed dump leaves (gzip of nothing, or 0 bytes); mended by a fresh real pg_dump.'),
  z.strictObject({ backup_job: z.literal('stopped'), heartbeat: z.string().min(1) })
    .describe('The world’s backup job reporting to this heartbeat check stops running on its schedule (no dump, no beat), so the heartbeat ages on the simulated clock; enabled again to mend (its next run on schedule). Needs `backup_jobs:`.'),
  z.strictObject({ postgres: z.literal('replication_lag'), lag: duration({ min: '1s', max: '5m' }).prefault('6s') })
    .describe('Pause replay on the private replica (pg_wal_replay_pause()) while the primary writes, until the lag is at least `lag`; pg_wal_replay_resume() mends it. Needs `postgres: { replica: true }`.'),
  z.strictObject({ postgres: z.literal('archive_failing') })
    .describe('WAL archiving fails: the directory archive_command copies segments into loses its write permission and a segment is finished, until pg_stat_archiver records the failure; write permission back (and a finished segment) mends it. Needs `postgres: { archive: true }`.'),
  z.strictObject({ postgres: z.literal('primary_down') })
    .describe('The primary stops as a crash stops it (SIGQUIT, PostgreSQL’s immediate shutdown, as `pg_ctl stop -m immediate`); its address (`${GAMEDAY_PG_URL}`, a loopback proxy) refuses connections; the replica stays in recovery. Promoting the replica (the world’s `pg_ctl promote`) re-points that address; the mend leaves a primary and a streaming replica again (the old primary restarted, or a new standby of the promoted one). Needs `postgres: { replica: true, failover: true }`.'),
  z.strictObject({ postgres: z.literal('connections'), hold: z.union([z.literal('all'), percent]).default('all') })
    .describe('Hold real connections to the world’s database until max_connections is exhausted (`all`, the default) or the share given is used; closing them mends it. Needs `postgres:` (a private cluster).'),
  z.strictObject({ app_pool: z.literal('exhausted') })
    .describe('The application’s own database connection pool (the stand-in’s, `/_gameday/pool`): requests hang on the database (real sessions in pg_sleep) holding every free connection; cancelled to mend, and freed as well when the application restarts.'),
  z.strictObject({ celery: z.enum(['frozen', 'stopped']), worker: z.string().regex(/^[a-z0-9-]+$/).optional() })
    .describe('SIGSTOP (`frozen`) or stop (`stopped`) the named Celery worker, or every worker; SIGCONT or a restart mends it. Needs `celery:`.'),
  z.strictObject({ celery: z.literal('backlog'), queue: z.string().min(1).default('celery'), jobs: z.number().int().min(1).max(100_000) })
    .describe('Freeze the workers consuming `queue` and enqueue `jobs` real Celery jobs onto it; mended when the thawed workers have worked the queue off. Needs `celery:`.'),
  z.strictObject({ celery: z.literal('unscheduled'), task: z.string().min(1) })
    .describe('Beat restarted with `task` left out of its schedule (the app still registers it): beat runs and sends its other periodic tasks, never this one; restarted with its whole schedule to mend. Needs `celery:` with `beat_tasks`.'),
  z.strictObject({ bullmq: z.string().regex(/^[^:\s]+(:[^:\s]+)*:(wait|waiting|paused|active|failed|completed|delayed)$/, 'a queue state key such as nova:email:waiting or bull:email:wait'), jobs: z.number().int().min(1).max(100_000) })
    .describe('Add `jobs` BullMQ-shaped jobs (a hash per job, its id on the state’s list or sorted set) under the key the system reads; mended by taking exactly those away.'),
  z.strictObject({ certificate: z.literal('expiring'), in: duration({ min: '1m', max: '3650d' }).prefault('10d') })
    .describe('Issue a certificate that expires `in` from now (default 10 days) and make the https stand-in serve it; the healthy certificate is served again afterwards. Needs `tls: true`.'),
  z.strictObject({ certificate: z.literal('expired'), ago: duration({ min: '1m', max: '3650d' }).prefault('1d') })
    .describe('Issue a certificate that expired `ago` (default a day) and serve it; mended as `expiring`. Needs `tls: true`.'),
  z.strictObject({ mongodb: z.literal('down') })
    .describe('stand-in: the wire-protocol responder playing MongoDB’s primary stops listening (connections refused) and listens again on the same port to mend. Needs `mongodb: true`.'),
  z.strictObject({ sql: z.string().min(1), undo: z.string().min(1) })
    .describe('Rows of the world’s database as the fault leaves them (a paused projection and the events it has not processed): `sql` run on it in one transaction, `undo` to mend. What the application derives from those rows (a lag, a count) is then real.'),
  z.strictObject({ mongodb: z.literal('slow'), delay: duration({ min: '1ms', max: '10s' }) })
    .describe('stand-in: the wire-protocol responder playing MongoDB’s primary answers `ping` only after `delay` of real time (the round trip every client’s health check waits on); at once again to mend. Needs `mongodb: true`.'),
  z.strictObject({ http: z.literal('slow'), delay: duration({ min: '1ms', max: '10m' }) })
    .describe('The socket in front of the stand-in holds the first byte of every reply back `delay` (real time).'),
  z.strictObject({ http: z.enum(['reset', 'stall', 'refuse', 'close']) })
    .describe('The socket in front of the stand-in answers a TCP reset, accepts and never answers, refuses connections, or hangs up at once; forwarding again mends it.'),
]);

export type Fault = z.output<typeof faultSchema>;

/** Whether the fault only changes a stand-in's own figures (no server of that kind exists here). */
export function isStandIn(fault: Fault): boolean {
  return 'faults' in fault || 'mongodb' in fault;
}

/** A stable key per fault, so applying one twice, or mending it twice, acts once. */
const active = new WeakMap<FaultTarget, Set<string>>();

/** Puts the fault into the world (`on`), or mends the world again. Idempotent both ways. */
export async function applyFault(world: FaultTarget, fault: Fault, on: boolean): Promise<void> {
  const key = JSON.stringify(fault);
  const set = active.get(world) ?? new Set<string>();
  active.set(world, set);
  if (on === set.has(key)) return;
  await act(world, fault, on);
  if (on) set.add(key);
  else set.delete(key);
}

function needs<T>(part: T | undefined, what: string, fault: Fault): T {
  if (part === undefined) throw new OpsbookError('OPSBOOK_E_GAMEDAY_INVALID', `fault ${describeFault(fault)} needs ${what} in gameday.yaml`);
  return part;
}

async function act(world: FaultTarget, fault: Fault, on: boolean): Promise<void> {
  if ('faults' in fault) return world.standin.setFaults(Object.fromEntries(Object.keys(fault.faults).map((k) => [k, on])));
  if ('redis' in fault) {
    if (fault.redis === 'down') return on ? world.redis.stop() : world.redis.start();
    return on ? world.redis.freeze() : world.redis.thaw();
  }
  if ('backup' in fault) {
    if (fault.backup === 'stale') return world.backups.age(on ? fault.age : undefined);
    if (!on) return world.backups.fresh();
    return fault.backup === 'missing' ? world.backups.remove() : world.backups.empty();
  }
  if ('backup_job' in fault) {
    const jobs = needs(world.backupJobs, '`backup_jobs:`', fault);
    if (on) return jobs.disable(fault.heartbeat);
    return jobs.enable(fault.heartbeat);
  }
  if ('postgres' in fault) {
    const pgWorld = needs(world.postgres, '`postgres:` (a private PostgreSQL cluster)', fault);
    if (fault.postgres === 'replication_lag') {
      const lag = needs(pgWorld.replicationLag, '`postgres: { replica: true }`', fault);
      return on ? lag.on(fault.lag) : lag.off();
    }
    if (fault.postgres === 'primary_down') {
      const failover = needs(pgWorld.failover, '`postgres: { replica: true, failover: true }`', fault);
      return on ? failover.stopPrimary() : failover.restore();
    }
    if (fault.postgres === 'archive_failing') {
      const archive = needs(pgWorld.walArchive, '`postgres: { archive: true }`', fault);
      return on ? archive.fail() : archive.mend();
    }
    if (!on) return pgWorld.connections.release();
    await pgWorld.connections.hold(fault.hold === 'all' ? 'all' : Number.parseFloat(fault.hold) / 100);
    return;
  }
  if ('app_pool' in fault) {
    await world.standin.admin('/_gameday/pool', { leak: on ? 'all' : 0 });
    return;
  }
  if ('celery' in fault) {
    const celery = needs(world.celery, '`celery:`', fault);
    if (fault.celery === 'backlog') return on ? celery.backlog(fault.queue, fault.jobs) : celery.drain(fault.queue);
    if (fault.celery === 'unscheduled') {
      const beat = needs(celery.beat, '`celery:` with `beat_tasks`', fault);
      if (!beat.tasks.includes(fault.task)) throw new OpsbookError('OPSBOOK_E_GAMEDAY_INVALID', `beat has no periodic task "${fault.task}" (beat_tasks: ${beat.tasks.join(', ')})`);
      const others = beat.unscheduled().filter((t) => t !== fault.task);
      return beat.restart(on ? [...others, fault.task] : others);
    }
    const workers = celery.workers.filter((w) => !fault.worker || w.name === fault.worker);
    if (workers.length === 0) throw new OpsbookError('OPSBOOK_E_GAMEDAY_INVALID', `no Celery worker "${fault.worker}" (workers: ${celery.workers.map((w) => w.name).join(', ')})`);
    if (fault.celery === 'frozen') return workers.forEach((w) => (on ? w.freeze() : w.thaw()));
    if (on) await Promise.all(workers.map((w) => w.stop()));
    else for (const w of workers) await w.start();
    return;
  }
  if ('sql' in fault) return world.rows.run(on ? fault.sql : fault.undo);
  if ('bullmq' in fault) return on ? world.redisJobs.add(fault.bullmq, fault.jobs) : world.redisJobs.remove(fault.bullmq);
  if ('mongodb' in fault) {
    const mongo = needs(world.mongodb, '`mongodb: true`', fault);
    if (fault.mongodb === 'slow') return mongo.slow(on ? fault.delay : 0);
    return on ? mongo.stop() : mongo.start();
  }
  if ('certificate' in fault) {
    const certs = needs(world.certificates, '`tls: true`', fault);
    if (!on) return certs.serveHealthy();
    return fault.certificate === 'expiring' ? certs.serve(fault.in) : certs.serve(-fault.ago);
  }
  if (!on) return world.http.setMode('forward');
  return world.http.setMode(fault.http === 'slow' ? { slow: fault.delay } : fault.http);
}

/**
 * The loopback proxies a set of faults acts through: the socket in front of the stand-in (`http`)
 * and the primary's and replica's addresses a failover re-points (`postgres: primary_down`).
 */
export function proxiesFor(faults: readonly Fault[]): { standin: boolean; failover: boolean } {
  return { standin: faults.some((f) => 'http' in f), failover: faults.some((f) => 'postgres' in f && f.postgres === 'primary_down') };
}

/** One line saying what the fault does, for the game day's output; stand-in faults say so. */
export function describeFault(fault: Fault): string {
  if ('faults' in fault) return `stand-in: faults ${Object.keys(fault.faults).join(', ')}`;
  if ('redis' in fault) return fault.redis === 'down' ? 'private redis-server stopped' : 'private redis-server stalled (SIGSTOP)';
  if ('backup' in fault) {
    if (fault.backup === 'stale') return `backups ${formatDuration(fault.age)} old`;
    return fault.backup === 'missing' ? 'backups deleted' : 'backups empty (a failed dump)';
  }
  if ('backup_job' in fault) return `backup job reporting to ${fault.heartbeat} stopped: no dump, no heartbeat`;
  if ('postgres' in fault) {
    if (fault.postgres === 'primary_down') return 'primary PostgreSQL stopped (immediate shutdown): its address refuses connections, the replica stays in recovery';
    if (fault.postgres === 'archive_failing') return 'WAL archive directory unwritable: archive_command fails (pg_stat_archiver)';
    return fault.postgres === 'replication_lag'
      ? `replica replay paused (pg_wal_replay_pause) until lag ≥ ${formatDuration(fault.lag)}`
      : `connections held until ${fault.hold === 'all' ? 'max_connections is exhausted' : `${fault.hold} of max_connections is used`}`;
  }
  if ('app_pool' in fault) return 'application connection pool exhausted: requests hang on the database holding every connection';
  if ('celery' in fault) {
    if (fault.celery === 'backlog') return `${fault.jobs} Celery jobs on ${fault.queue}, its workers frozen`;
    if (fault.celery === 'unscheduled') return `Celery beat restarted without ${fault.task} in its schedule`;
    return `Celery worker ${fault.worker ?? '(every one)'} ${fault.celery === 'frozen' ? 'frozen (SIGSTOP)' : 'stopped'}`;
  }
  if ('sql' in fault) return `rows of the world's database: ${fault.sql.replace(/\s+/g, ' ').trim().slice(0, 120)}`;
  if ('bullmq' in fault) return `${fault.jobs} BullMQ jobs on ${fault.bullmq}`;
  if ('mongodb' in fault) {
    return fault.mongodb === 'slow'
      ? `stand-in: MongoDB (the responder playing the primary) answers ping ${formatDuration(fault.delay)} late`
      : 'stand-in: MongoDB (the responder playing the primary) stopped, connections refused';
  }
  if ('certificate' in fault) {
    return fault.certificate === 'expiring' ? `serving a certificate that expires in ${formatDuration(fault.in)}` : `serving a certificate expired ${formatDuration(fault.ago)} ago`;
  }
  return fault.http === 'slow' ? `stand-in socket delays its replies ${formatDuration(fault.delay)}` : `stand-in socket: ${fault.http}`;
}
