import { bindContext } from '../lib/async-context.js';
import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { ChannelConfig } from '../config/schema/channels.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import type { Store } from '../store/index.js';
import type { Transaction } from 'kysely';
import type { Database } from '../store/database.js';
import {
  claimDueOutbox, nextOutboxDueAt, otherLeaseOwners, recordOutboxAttempt, recordOutboxAttemptsIn, releaseGoneMemberLeases, releaseOutboxLeases, type AttemptRecord, type AttemptResult, type OutboxRow,
} from '../store/repos/outbox.js';
import type { ActionLinkSigner } from './action-links.js';
import { nextRetry } from './backoff.js';
import { ChannelConnections } from './channel-connections.js';
import { sendThroughChannel } from './channels/index.js';
import { listDeadLetters, redriveDeadLetter } from './dead-letters.js';
import { notificationOf, onOutboxSignal, type OutboxTaker } from './enqueue.js';
import { silentLogger, type DeliveryOutcome, type NotifyLogger, type OutboundMessage } from './types.js';
import { SendThread } from './send-thread.js';

export interface OutboxWorkerOptions {
  store: Store;
  clock: Clock;
  /** The `channels:` section (validated); replace it on config reload with `setChannels`. */
  channels: readonly ChannelConfig[];
  logger?: NotifyLogger;
  /**
   * Messages of one channel sent at the same time (default 32); each channel has slots of its own,
   * so a channel whose receiver hangs holds only its own until its timeout, and the pages of the
   * other channels go out meanwhile. A burst of new incidents pages at once: a first page that
   * finds a free slot of its channel is written leased to this worker and sent as its incident
   * commits, while one that finds none waits for a claim (a statement and a commit of its own), and
   * attempts that finish together settle in one transaction. Each channel also has a connection pool
   * of its own with as many sockets per receiver host.
   */
  concurrency?: number;
  /** Signs acknowledge/resolve links; without it messages carry none. */
  linkSigner?: ActionLinkSigner;
  /**
   * Longest wait, in real time, between two looks at the outbox when nothing wakes the worker (default
   * 1s): the poll finds rows other processes wrote. Retries and leases fall due on `clock`.
   */
  pollIntervalMs?: number;
  /** How long a claimed message is this worker's before another may take it (default: longest channel timeout + 30s). */
  leaseMs?: number;
  /**
   * The lease owner this worker claims under (default a new `wrk_…` id). In a cluster, the process's
   * member id: when its heartbeat lapses, the others take the messages it was sending at once.
   */
  owner?: string;
  /** Source of jitter, [0, 1) (default Math.random). */
  random?: () => number;
  /**
   * Send through the channels on a thread of their own (see SendThread; default false): the event
   * loop then only claims, settles and hands rows over. The daemon turns it on with OPSBOOK_SEND_THREAD=1.
   */
  sendThread?: boolean;
  /** Called after every attempt is recorded (metrics, benchmarks). */
  onSettled?: (e: SettledAttempt) => void;
  /**
   * Runs the settlement of attempts that finished together inside its transaction: calls `settle`
   * (which records them) and writes what must commit with them (the deliveries' timeline lines).
   * Without it the attempts are recorded alone. If it fails, each attempt is recorded on its own
   * without it (`inTransaction: false`).
   */
  settleIn?: (trx: Transaction<Database>, settle: () => Promise<SettledAttempt[]>) => Promise<void>;
}

export interface SettledAttempt {
  id: string;
  channelId: string;
  attempt: number;
  outcome: DeliveryOutcome;
  result: AttemptResult;
  /** False when the lease had passed to another worker: the attempt was only logged. */
  moved: boolean;
  /** The row as this attempt claimed it (its status and lease are those of the claim). */
  row: OutboxRow;
  /** Settled in a transaction that also ran `settleIn`. */
  inTransaction: boolean;
}

/** Most attempts settled in one transaction. */
const SETTLE_GROUP_MAX = 64;

interface Settling {
  rec: AttemptRecord;
  /** The row as claimed. */
  row: OutboxRow;
  outcome: DeliveryOutcome;
  resolve: (e: SettledAttempt) => void;
  reject: (e: unknown) => void;
}

const DETAIL_LIMIT = 500;
const clip = (s: string | undefined): string | null => (s === undefined ? null : s.length > DETAIL_LIMIT ? `${s.slice(0, DETAIL_LIMIT - 1)}…` : s);

/**
 * Delivers the outbox: claims due messages under a lease, sends each through its channel, then
 * records delivered / retry (exponential backoff, full jitter) / dead, with every attempt in the
 * delivery log. A worker that dies mid-send leaves its rows `delivering`, and they are sent again
 * with the same id (at-least-once, never lost): as soon as the owner is known to be gone, else when
 * the lease runs out.
 *
 * Known gone: on PostgreSQL, a cluster member whose heartbeat lapsed or who left (by the database's
 * clock); on a SQLite file, a worker whose process no longer holds its owner lock (`LeaseOwners`:
 * the worker holds one while it runs). The worker looks when it starts and then at most once a poll
 * interval, and makes the rows of gone owners due at once; its next claim takes them. A live owner
 * is never robbed before its lease ends, however long its send takes. A process paused past its membership
 * may wake and finish a send another already made: the receiver then sees the same id twice, which
 * at-least-once allows; settling checks the lease, so the late attempt is only logged.
 */
export class OutboxWorker implements OutboxTaker {
  readonly id: string;
  /**
   * Each channel's keep-alive connection pool, as many sockets per host as its send slots: channels
   * whose receivers share a host:port do not wait for each other's sockets. Closed at stop.
   */
  readonly connections: ChannelConnections;
  /** Releases this worker's owner lock (SQLite file), held from start to stop. */
  private releaseOwner: (() => void) | undefined;
  /** When (performance.now) the worker may look for gone owners again. */
  private nextOwnerLook = 0;
  /** Send slots booked, per channel, for rows being written leased to this worker (see `OutboxTaker`). */
  private readonly reserved = new Map<string, number>();
  /** Sends in flight per channel: with the booked slots, at most `concurrency` per channel. */
  private readonly busy = new Map<string, number>();
  private channels = new Map<string, ChannelConfig>();
  private lease = 0;
  private running = false;
  private pumping: Promise<void> | undefined;
  private again = false;
  private readonly inFlight = new Set<Promise<void>>();
  private cancelTimer: (() => void) | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly abort = new AbortController();
  /** The channels' sends, when they run on a thread of their own (from start to stop). */
  private thread: SendThread | undefined;
  private readonly log: NotifyLogger;
  private readonly concurrency: number;
  private readonly pollIntervalMs: number;
  private readonly random: () => number;
  /** Attempts waiting to be settled, and whether a settlement transaction runs. */
  private settling: Settling[] = [];
  private settlingBusy = false;
  private wakeScheduled = false;
  /**
   * The last look stopped for want of a slot (rows may be waiting): a finishing send looks again.
   * Otherwise only a send that did not end delivered does (its retry's time must be armed); new
   * rows wake the worker themselves.
   */
  private starved = false;

  constructor(private readonly o: OutboxWorkerOptions) {
    this.id = o.owner ?? newId('wrk');
    this.log = o.logger ?? silentLogger;
    this.concurrency = Math.max(1, o.concurrency ?? 32);
    this.connections = new ChannelConnections(this.concurrency);
    this.pollIntervalMs = o.pollIntervalMs ?? 1000;
    this.random = o.random ?? Math.random;
    this.setChannels(o.channels);
  }

  setChannels(channels: readonly ChannelConfig[]): void {
    this.channels = new Map(channels.map((c) => [c.id, c]));
    // The pools of channels removed or changed close (when their sends in flight have ended).
    this.connections.configure(channels);
    this.thread?.setChannels(channels);
    // Every send in flight listens for the stop (a channel may add one listener of its own).
    setMaxListeners(Math.max(10, 2 * this.concurrency * Math.max(1, this.channels.size)), this.abort.signal);
    const longest = Math.max(0, ...channels.map((c) => c.timeout));
    // A lease shorter than a send would hand a message to a second worker while the first still sends.
    this.lease = Math.max(this.o.leaseMs ?? longest + 30_000, longest + 1000);
  }

  /** How long a row written leased to this worker is its own (the lease a claim takes). */
  get leaseMs(): number {
    return this.lease;
  }

  /** Free send slots of a channel: its sends in flight and booked rows count against them. */
  private freeOf(channelId: string): number {
    return this.concurrency - (this.busy.get(channelId) ?? 0) - (this.reserved.get(channelId) ?? 0);
  }

  /** Books a free send slot of its channel for a row about to be written leased to this worker. */
  reserve(channelId: string): boolean {
    if (!this.running || this.freeOf(channelId) <= 0) return false;
    this.reserved.set(channelId, (this.reserved.get(channelId) ?? 0) + 1);
    return true;
  }

  /** A booked row was not written after all. */
  release(channelId: string): void {
    const n = (this.reserved.get(channelId) ?? 0) - 1;
    if (n > 0) this.reserved.set(channelId, n);
    else this.reserved.delete(channelId);
  }

  /**
   * A row written leased to this worker has committed: sent now, in this turn. A worker stopped
   * meanwhile leaves it; another sends it, with the same id, once this one is known gone (a SQLite
   * file: at once) or the lease runs out.
   */
  take(row: OutboxRow): void {
    this.release(row.channel_id);
    if (!this.running) return;
    this.track(row.channel_id, this.inOwnContext(() => this.deliver(row)));
  }

  /**
   * Claims and sends run in the context the worker was built in, not in that of the caller that
   * woke it or wrote the row (a check's result handled under that check's lease): what a delivery
   * writes after it (its timeline line, an incident about a failing channel) is no lease's work.
   */
  private readonly inOwnContext = bindContext(<T>(work: () => T): T => work());

  start(): void {
    if (this.running) return;
    // Held before the first claim or leased row: no row is ever this worker's while it looks gone.
    this.releaseOwner ??= this.o.store.leaseOwners?.hold(this.id);
    if (this.o.sendThread) {
      const signer = this.o.linkSigner;
      this.thread ??= new SendThread({
        channels: [...this.channels.values()],
        concurrency: this.concurrency,
        ...(signer ? { links: { key: signer.exportKey(), publicUrl: signer.url, ttlMs: signer.ttlMs } } : {}),
      });
    }
    this.running = true;
    this.unsubscribe = onOutboxSignal(() => this.wake());
    this.wake();
  }

  /** Looks for due messages now (called on enqueue in this process, and by the poll timer). */
  wake(): void {
    if (!this.running) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = this.inOwnContext(() => this.pump()).finally(() => (this.pumping = undefined));
  }

  /**
   * Wakes the worker once the sends finishing in this turn of the event loop have all freed their
   * slot: one claim takes their successors together instead of one claim each.
   */
  private wakeSoon(): void {
    if (this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      this.wake();
    });
  }

  private async pump(): Promise<void> {
    const { store, clock } = this.o;
    try {
      let lookedAgain = false;
      do {
        this.again = false;
        // Each channel has slots of its own: the full ones are left out of the claim, and the claim
        // takes at most as many rows as the least free channel with sends in flight has left, so no
        // channel is ever given more than its slots (a hung receiver holds only its own channel's).
        const active = new Set([...this.busy.keys(), ...this.reserved.keys()]);
        const full = [...active].filter((c) => this.freeOf(c) <= 0);
        if (this.channels.size > 0 && [...this.channels.keys()].every((c) => this.freeOf(c) <= 0)) {
          this.starved = true; // a finishing send wakes the worker
          return;
        }
        const free = Math.min(this.concurrency, ...[...active].map((c) => this.freeOf(c)).filter((n) => n > 0));
        await this.releaseGoneOwners();
        const rows = await claimDueOutbox(store.db, store.dialect, { now: clock.now(), owner: this.id, leaseMs: this.lease, limit: free, exclude: full });
        for (const row of rows) this.track(row.channel_id, this.deliver(row));
        // A full channel's rows wait for a slot of theirs: a finishing send looks again.
        this.starved = rows.length === free || full.length > 0;
        if (rows.length === free) this.again = true;
        else if ((await this.armTimer(undefined, full)) && !lookedAgain) {
          // Something fell due while claiming (time moved on): one more look, not a spin.
          lookedAgain = true;
          this.again = true;
        }
      } while (this.again && this.running);
    } catch (e) {
      this.log.error({ err: e }, 'outbox: claiming failed; trying again at the next poll');
      void this.armTimer(clock.now() + this.pollIntervalMs);
    }
  }

  /**
   * The rows of owners known to be gone fall due now (at start, then at most once a poll interval,
   * which is also how often a worker with nothing to do looks): on PostgreSQL those of cluster members
   * whose heartbeat lapsed, on a SQLite file those of owners whose lock is free.
   */
  private async releaseGoneOwners(): Promise<void> {
    const { store, clock } = this.o;
    const owners = store.leaseOwners;
    if ((!owners && store.dialect !== 'postgres') || performance.now() < this.nextOwnerLook) return;
    // A little under a poll interval: the poll timer, armed after the look, must not find it a moment early.
    this.nextOwnerLook = performance.now() + 0.9 * this.pollIntervalMs;
    let gone: string[] | undefined;
    let released: number;
    if (owners) {
      gone = (await otherLeaseOwners(store.db, this.id)).filter((owner) => owners.gone(owner));
      released = await releaseOutboxLeases(store.db, gone, clock.now());
    } else {
      released = await releaseGoneMemberLeases(store.db, this.id, clock.now());
    }
    if (released > 0) this.log.warn({ ...(gone ? { owners: gone } : {}), messages: released }, 'outbox: messages whose sender is gone are sent again now, with the same ids');
  }

  private track(channelId: string, send: Promise<boolean>): void {
    this.busy.set(channelId, (this.busy.get(channelId) ?? 0) + 1);
    const done = (): void => {
      this.inFlight.delete(p);
      const n = (this.busy.get(channelId) ?? 0) - 1;
      if (n > 0) this.busy.set(channelId, n);
      else this.busy.delete(channelId);
    };
    const p = send.then(
      (delivered) => {
        done();
        if (!delivered || this.starved) this.wakeSoon();
      },
      () => {
        done();
        this.wakeSoon();
      },
    );
    this.inFlight.add(p);
  }

  /**
   * Wakes at the next retry or lease expiry on the clock (or at `at`), and at least every poll
   * interval of real time: other processes enqueue too, and how soon their rows are seen is a matter
   * of real time. A simulated clock (a game day, a test) then has no timer of the worker's to step to
   * while nothing is due. Returns true when a row is already due (the caller may look once more before waiting).
   */
  private async armTimer(at?: number, exclude: readonly string[] = []): Promise<boolean> {
    if (!this.running) return false;
    let when = at;
    let dueNow = false;
    if (at === undefined) {
      // A full channel's due rows wait for one of its sends to finish, which wakes the worker.
      const next = await nextOutboxDueAt(this.o.store.db, exclude);
      const now = this.o.clock.now();
      if (!this.running) return false; // stopped while reading: arm nothing
      dueNow = next !== undefined && next <= now;
      // A row due but not claimed may be held by another process's claim: look again shortly.
      if (next !== undefined) when = next > now ? next : now + 5;
    }
    this.cancelTimer?.();
    this.cancelTimer = when === undefined ? undefined : this.o.clock.at(when, () => this.wake());
    clearTimeout(this.pollTimer);
    this.pollTimer = setTimeout(() => this.wake(), this.pollIntervalMs);
    this.pollTimer.unref();
    return dueNow;
  }

  /** Sends one claimed row and settles the attempt; true when it ended delivered. */
  private async deliver(row: OutboxRow): Promise<boolean> {
    const { clock } = this.o;
    const channel = this.channels.get(row.channel_id);
    let started = performance.now(); // elapsed time only; instants come from the clock
    let outcome: DeliveryOutcome;
    if (!channel) {
      outcome = { ok: false, retryable: false, error: `channel ${row.channel_id} is not configured` };
    } else if (this.thread) {
      const sent = await this.thread.send(row, clock.now(), this.o.linkSigner?.url);
      outcome = sent.outcome;
      started = performance.now() - sent.durationMs;
    } else {
      try {
        const notification = notificationOf(row);
        const message: OutboundMessage = {
          id: row.id,
          createdAt: row.created_at,
          attempt: row.attempts,
          notification,
          links: this.o.linkSigner?.linksFor(notification, row.retry_from) ?? {},
        };
        const pool = this.connections.acquire(channel);
        try {
          outcome = await sendThroughChannel(message, channel, { signal: this.abort.signal, clock, agents: pool.agents });
        } finally {
          pool.release();
        }
      } catch (e) {
        outcome = { ok: false, retryable: true, error: `${channel.kind} channel failed: ${(e as Error).message}` };
      }
    }
    const durationMs = performance.now() - started;
    const now = clock.now();
    const result = this.decide(row, channel, outcome, now);
    const rec: AttemptRecord = {
      row,
      owner: this.id,
      result,
      delivery: {
        id: newId('dlv', now),
        statusCode: outcome.status ?? null,
        error: outcome.ok ? null : clip(outcome.error),
        detail: clip(outcome.detail),
        durationMs,
      },
    };
    let settled: SettledAttempt;
    try {
      settled = await this.settle(rec, row, outcome);
    } catch (e) {
      // The row stays `delivering`; when the lease runs out it is sent again with the same id.
      this.log.error({ err: e, id: row.id }, 'outbox: recording an attempt failed');
      return false;
    }
    this.o.onSettled?.(settled);
    const fields = { id: row.id, channel: row.channel_id, attempt: row.attempts, status: outcome.status, error: outcome.ok ? undefined : outcome.error };
    if (result.state === 'delivered') this.log.debug(fields, 'notification delivered');
    else if (result.state === 'retry') this.log.warn({ ...fields, retryAt: new Date(result.dueAt).toISOString() }, 'notification failed; will retry');
    else this.log.error(fields, 'notification dead-lettered');
    return result.state === 'delivered';
  }

  /**
   * Group commit for settlements: the attempts finishing in one turn of the event loop are settled
   * in one transaction; those finishing while it runs wait and are settled together in the next.
   */
  private settle(rec: AttemptRecord, row: OutboxRow, outcome: DeliveryOutcome): Promise<SettledAttempt> {
    return new Promise((resolve, reject) => {
      this.settling.push({ rec, row, outcome, resolve, reject });
      // Started after this turn's I/O: the answers that arrived together settle together.
      if (!this.settlingBusy) {
        this.settlingBusy = true;
        setImmediate(() => void this.settleWaiting());
      }
    });
  }

  private async settleWaiting(): Promise<void> {
    try {
      while (this.settling.length > 0) {
        const group = this.settling.splice(0, SETTLE_GROUP_MAX);
        const settleIn = this.o.settleIn;
        const attempts = (moved: readonly boolean[], inTransaction: boolean) => group.map((g, i) => settledAttempt(g, moved[i]!, inTransaction));
        let done: SettledAttempt[] | undefined;
        try {
          done = await this.o.store.db.transaction().execute(async (trx) => {
            if (!settleIn) return attempts(await recordOutboxAttemptsIn(trx, group.map((g) => g.rec)), false);
            let settled: SettledAttempt[] | undefined;
            await settleIn(trx, async () => (settled = attempts(await recordOutboxAttemptsIn(trx, group.map((g) => g.rec)), true)));
            if (!settled) throw new Error('settleIn did not settle the attempts');
            return settled;
          });
        } catch (e) {
          if (group.length === 1 && !settleIn) {
            group[0]!.reject(e);
            continue;
          }
          // One attempt that cannot be recorded with the others (or the added work failing) must not hold them back.
          for (const g of group) {
            await recordOutboxAttempt(this.o.store.db, g.rec).then((moved) => g.resolve(settledAttempt(g, moved, false)), g.reject);
          }
          continue;
        }
        group.forEach((g, i) => g.resolve(done[i]!));
      }
    } finally {
      this.settlingBusy = false;
    }
  }

  private decide(row: OutboxRow, channel: ChannelConfig | undefined, outcome: DeliveryOutcome, now: number): AttemptResult {
    if (outcome.ok) return { state: 'delivered', at: now };
    // Stopping: the message is due again at once for whichever worker runs next.
    if (this.abort.signal.aborted) return { state: 'retry', at: now, dueAt: now };
    if (!outcome.retryable || !channel) return { state: 'dead', at: now };
    const decision = nextRetry(
      { initialMs: channel.retry.initial, maxIntervalMs: channel.retry.max_interval, maxAgeMs: channel.retry.max_age },
      {
        now,
        windowStart: row.retry_from,
        retry: row.attempts - row.retry_from_attempt,
        random: this.random,
        ...(outcome.retryAfterMs !== undefined ? { retryAfterMs: outcome.retryAfterMs } : {}),
      },
    );
    if (!decision.retry) {
      // Said in the dead letter's reason: why it was given up, then what went wrong last.
      outcome.error = `${decision.reason}; last error: ${outcome.error}`;
      return { state: 'dead', at: now };
    }
    return { state: 'retry', at: now, dueAt: decision.at };
  }

  /** Resolves when no claim and no send is running (tests step a simulated clock between these). */
  async idle(): Promise<void> {
    for (let i = 0; i < 1000 && (this.pumping || this.inFlight.size > 0 || this.wakeScheduled); i++) {
      await this.pumping;
      await Promise.all([...this.inFlight]);
      // A send that just finished wakes the worker after this turn (wakeSoon): that look counts too.
      if (this.wakeScheduled) await new Promise((r) => setImmediate(r));
    }
  }

  /**
   * Stops claiming, lets sends in flight finish until `deadline` (epoch ms on the clock), then
   * aborts the rest; aborted messages are recorded as due again at once.
   */
  async stop(deadline?: number): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    clearTimeout(this.pollTimer);
    const settled = (async () => {
      await this.pumping;
      await Promise.all([...this.inFlight]);
    })();
    if (deadline !== undefined) {
      const timer = new AbortController();
      await Promise.race([settled, this.o.clock.sleepUntil(deadline, timer.signal).catch(() => {})]);
      timer.abort();
      this.abort.abort(new Error('outbox worker stopped'));
      this.thread?.abort();
    }
    await settled;
    this.connections.destroy();
    await this.thread?.close();
    this.thread = undefined;
    // Rows still leased to it (one handed over after the stop) are then for the others to send now.
    this.releaseOwner?.();
    this.releaseOwner = undefined;
  }

  listDeadLetters(limit?: number): Promise<OutboxRow[]> {
    return listDeadLetters(this.o.store, limit);
  }

  /** Moves a dead message back to pending and sends it now. */
  async redrive(id: string): Promise<void> {
    await redriveDeadLetter(this.o.store, this.o.clock, id);
    this.wake();
  }
}

function settledAttempt(g: Settling, moved: boolean, inTransaction: boolean): SettledAttempt {
  const { row } = g;
  const { result } = g.rec;
  return { id: row.id, channelId: row.channel_id, attempt: row.attempts, outcome: g.outcome, result, moved, row, inTransaction };
}
