import type { ConnectionHold } from './connections.js';
import type { PrimaryFailover } from './failover.js';
import type { ReplicationLag } from './replication-lag.js';
import type { WalArchive } from './wal-archive.js';
import type { ProxyMode } from './socket-proxy.js';

/** A Celery worker of the world, as a fault stops and starts it. */
export interface FaultWorker {
  name: string;
  freeze(): void;
  thaw(): void;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** The parts of the game-day world faults act on (the world implements it; absent parts were not asked for). */
export interface FaultTarget {
  standin: {
    setFaults(faults: Record<string, boolean>): Promise<void>;
    /** POSTs to one of the stand-in's own `/_gameday/…` endpoints (the application's pool). */
    admin(path: string, body: unknown): Promise<unknown>;
  };
  redis: { stop(): Promise<void>; start(): Promise<void>; freeze(): Promise<void>; thaw(): Promise<void> };
  backups: {
    /** Dates the backup files `ageMs` back from the clock's now; without it, an hour back (healthy). */
    age(ageMs?: number): Promise<void>;
    remove(): Promise<void>;
    empty(): Promise<void>;
    /** A fresh real pg_dump under every name, dated an hour back. */
    fresh(): Promise<void>;
  };
  /** The backup jobs reporting to heartbeat checks, when the spec has `backup_jobs`. */
  backupJobs?: { disable(heartbeat: string): Promise<void>; enable(heartbeat: string): void };
  /** The private PostgreSQL cluster, when the spec asks for one. */
  postgres?: { connections: ConnectionHold; replicationLag?: ReplicationLag; walArchive?: WalArchive; failover?: Pick<PrimaryFailover, 'stopPrimary' | 'restore'> };
  celery?: {
    workers: FaultWorker[];
    /** Freezes the queue's consumers and enqueues `jobs` real jobs. */
    backlog(queue: string, jobs: number): Promise<void>;
    /** Thaws them and waits until the queue is empty. */
    drain(queue: string): Promise<void>;
    /** The one beat, when the world has periodic tasks: its tasks, and a restart leaving some out of its schedule. */
    beat?: { tasks: string[]; unscheduled(): string[]; restart(unscheduled: string[]): Promise<void> };
  };
  /** Rows of the world's database: `run` executes statements in one transaction. */
  rows: { run(sql: string): Promise<void> };
  /** BullMQ-shaped jobs in the world's Redis, added and taken away again. */
  redisJobs: { add(stateKey: string, jobs: number): Promise<void>; remove(stateKey: string): Promise<void> };
  certificates?: {
    /** Issues a certificate expiring `inMs` from the clock's now (negative: expired) and serves it. */
    serve(inMs: number): Promise<void>;
    serveHealthy(): Promise<void>;
  };
  /** The wire-protocol responder playing MongoDB's primary, when the spec asks for `mongodb: true`. */
  mongodb?: { stop(): Promise<void>; start(): Promise<void>; slow(ms: number): void };
  /** The TCP proxy every client of the stand-in goes through. */
  http: { setMode(mode: ProxyMode): Promise<void> };
}
