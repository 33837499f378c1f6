import { AsyncResource } from 'node:async_hooks';
import { hostname } from 'node:os';
import type { Kysely, Transaction } from 'kysely';
import { Counter, Gauge, type Registry } from 'prom-client';
import {
  acquireLease, ensureLeases, heartbeatMember, holdAndMark, markWrittenUnder, leaveCluster, listLeases, newMemberId, pruneMembers, recordFencing, releaseLease, renewLeases, sharingMembers, supersedeIncarnations,
  type Database, type LeaseToken, type Store,
} from '../store/index.js';
import { newId } from '../lib/ids.js';
import { OpsbookError } from '../lib/errors/index.js';
import { allLeases, fairShare, leaseOf, SINGLETONS_LEASE } from './partitions.js';
import { currentLease } from './fence-context.js';

export interface ClusterOptions {
  /** A PostgreSQL store; the cluster judges leases by its clock. */
  store: Store;
  /**
   * A small pool of its own for the renewals (the same database), so a renewal never waits for a
   * connection behind the work's writes; the coordinator closes it at stop. Default: `store`.
   */
  leaseStore?: Store;
  /** How long a lease lasts without renewal (`storage.cluster.lease`). */
  leaseMs: number;
  partitions: number;
  /** This process's HTTP address, shown to operators. */
  url: string;
  /**
   * `storage.cluster.member`: a name that stays the same across this process's restarts and that no
   * other running process has. A process starting under it supersedes its previous incarnation at
   * once (its leases under new epochs, its outbox rows due) instead of when that membership lapses.
   */
  name?: string;
  /** Off only to prove the chaos harness catches stale writes: they are then let through and recorded. */
  fencing?: boolean;
  logger: { info(obj: unknown, msg?: string): void; warn(obj: unknown, msg?: string): void; error(obj: unknown, msg?: string): void };
  registry?: Registry;
  /** The leases this process holds changed (lease → epoch); the caller moves its work. */
  onChange?: (owned: ReadonlyMap<string, number>) => void;
}

export interface ClusterHealth {
  ok: boolean;
  /** Why this process holds nothing (cannot reach PostgreSQL since …). */
  reason?: string;
}

/**
 * How long (ms, from `now`) until the next lease round: a third of a lease after the last round
 * began, not after it ended. Counted from its end, a round slowed to two thirds of a lease (a loaded
 * machine, balancing waiting on a lock) put the next renewal past the lease, and a member whose store
 * answered gave up its checks and pages. At least 200 ms, so a round longer than a third of a lease
 * is followed by the next one at once, but never back to back.
 */
export function nextRoundIn(leaseMs: number, lastRoundBeganAt: number, now: number): number {
  return Math.max(200, Math.floor(leaseMs / 3) - Math.max(0, now - lastRoundBeganAt));
}

/**
 * This process's membership of a cluster on one PostgreSQL: a heartbeat row, and leases on the
 * partitions of the work, each granted under a fencing epoch that only ever grows. Every
 * `leaseMs / 3` (from one round's start to the next's) it renews what it holds, then takes or gives back leases so each live member holds
 * an even share. When it cannot renew, it drops everything once its leases may have run out (by its
 * own clock, measured from before the last successful renewal was sent), so it stops running checks
 * and sending pages before anyone else starts them; writes begun earlier are refused by fencing.
 */
export class ClusterCoordinator {
  readonly id: string;
  private owned = new Map<string, number>();
  /** When (performance.now) the last successful round was sent: the leases it renewed end no earlier than that plus a lease. */
  private renewedSentAt = -Infinity;
  /** When (performance.now) the last round, successful or not, began: the next begins a third of a lease later. */
  private roundSentAt = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private stopped = false;
  /** Taking part in the rounds (`take` was called). */
  private taking = false;
  /** Stopping: renews what it holds while its pipeline drains, and takes or gives back nothing. */
  private draining = false;
  private readonly startedAt = Date.now();
  private acquiredAt = new Map<string, number>();
  private health: ClusterHealth = { ok: false, reason: 'not started' };
  /** Another member shared the work at the last round (assumed until a round has looked). */
  private othersSharing = true;
  private readonly metrics: { rejections: Counter; owned: Gauge; checks: Gauge; healthy: Gauge; age: Gauge<'lease'> } | undefined;
  readonly fencing: boolean;

  constructor(private readonly o: ClusterOptions) {
    this.id = newMemberId();
    this.fencing = o.fencing !== false;
    if (o.registry) {
      const registers = [o.registry];
      this.metrics = {
        rejections: new Counter({ name: 'opsbook_cluster_fencing_rejections_total', help: 'Writes refused because the lease they were made under had passed on.', registers }),
        owned: new Gauge({ name: 'opsbook_cluster_leases_owned', help: 'Leases this process holds.', registers }),
        checks: new Gauge({ name: 'opsbook_cluster_checks_owned', help: 'Checks this process runs (those of the partitions it holds).', registers }),
        healthy: new Gauge({ name: 'opsbook_cluster_healthy', help: '1 while this process renews its leases; 0 when it cannot reach PostgreSQL and holds nothing.', registers }),
        age: new Gauge({
          name: 'opsbook_cluster_lease_age_seconds',
          help: 'Per lease this process holds: seconds since it was granted.',
          labelNames: ['lease'],
          registers,
          collect: () => this.collectAges(),
        }),
      };
    }
  }

  /** Joins and takes a first share of the leases at once (`join`, then `take`). */
  async start(): Promise<void> {
    await this.join();
    await this.take();
  }

  /**
   * Makes sure the lease rows exist, and nothing more: the process holds no lease and is not yet a
   * member, so no other member gives back a share for it. A daemon joins before its pipeline is
   * built and takes once it runs (`take`): a share taken earlier went unprobed for as long as the
   * build took — seconds on a loaded machine, while the previous holder's leases had run out.
   */
  async join(): Promise<void> {
    await ensureLeases(this.o.store.db, allLeases(this.o.partitions));
  }

  /**
   * Becomes a member: a restart under the same name supersedes its previous incarnation, then the
   * first round records the heartbeat and takes a share of the leases, and the rounds go on.
   */
  async take(): Promise<void> {
    if (this.stopped || this.taking) return;
    this.taking = true;
    if (this.o.name !== undefined) await this.supersede(this.o.name);
    await this.tick();
    this.schedule();
  }

  /** A reload's `server.public_url`: the member row shows it from the next renewal on. */
  setUrl(url: string): void {
    this.o.url = url;
  }

  /** A restart under the same name: the previous incarnation's leases and rows are taken over now. */
  private async supersede(name: string): Promise<void> {
    try {
      const { superseded, leases } = await supersedeIncarnations(this.leaseDb, { ...this.memberRow(), name }, this.o.leaseMs, this.lockTimeoutMs);
      if (superseded.length > 0) this.o.logger.info({ member: this.id, name, superseded, leases: leases.map((l) => `${l.lease}@${l.epoch}`) }, 'cluster: superseded the previous process of this name; its leases are taken over under new epochs');
    } catch (e) {
      this.o.logger.warn({ member: this.id, name, err: (e as Error).message }, 'cluster: could not supersede the previous process of this name; its leases run out by themselves');
    }
  }

  private memberRow() {
    return { id: this.id, host: hostname(), pid: process.pid, url: this.o.url, started_at: this.startedAt, draining: this.draining, ...(this.o.name !== undefined ? { name: this.o.name } : {}) };
  }

  /** A writer fencing under an old epoch holds the lease row a moment; a grant waits no longer than a fifth of a lease for it. */
  private get lockTimeoutMs(): number {
    return Math.min(2000, Math.max(200, Math.floor(this.o.leaseMs / 5)));
  }

  /**
   * A clean stop begins: from now on the leases held are only renewed (none taken, none given back
   * to balance), so the queued work of their partitions can be finished under them; `stop` frees them.
   * The singletons lease is given back at once (once the draining mark is written).
   * The member row says so at once (a heartbeat marked draining): the others count this process out
   * of the fair share from their next round, and take the leases it gives back meanwhile (`release`)
   * even when they already hold a full share. Before, it counted as a member until it left, and a
   * lease it gave back stayed unheld for the whole drain.
   */
  drain(): void {
    if (this.draining) return;
    this.draining = true;
    if (!this.taking || this.stopped) return;
    this.markedDraining = heartbeatMember(this.leaseDb, this.memberRow(), this.o.leaseMs).then(
      () => undefined,
      (e: unknown) => this.o.logger.warn({ member: this.id, err: (e as Error).message }, 'cluster: could not mark this member draining; the others count it out at its next heartbeat'),
    );
    // Leader-only work (scheduled procedures, SLOs, rule files, retention, shift reminders) stops with
    // the intake and is not part of the drain: another member takes it over at its next round rather
    // than when this one leaves. What of it is still under way here is refused by fencing.
    const singletons = this.singletons;
    if (singletons) void this.markedDraining.then(() => this.release(singletons));
  }

  /** The draining mark's write: a lease is given back only once the others can count this member out. */
  private markedDraining: Promise<void> = Promise.resolve();

  /** Leases given back while draining: a renewal round that began before never counts them held again. */
  private readonly released = new Set<string>();

  /**
   * While draining: gives back one lease whose partition has no work left here, under the epoch it
   * was held, so another member takes it at its next round rather than when this process stops.
   */
  async release(token: LeaseToken): Promise<void> {
    if (!this.draining || this.owned.get(token.lease) !== token.epoch) return;
    this.released.add(`${token.lease}@${token.epoch}`);
    const next = new Map(this.owned);
    next.delete(token.lease);
    this.setOwned(next);
    await this.markedDraining;
    await releaseLease(this.leaseDb, token, this.id).catch((e: unknown) => this.o.logger.warn({ err: e, lease: token.lease }, 'could not give a drained lease back; it runs out by itself'));
  }

  /** Leaves cleanly: the leases are free for the others at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.deadline);
    await this.round;
    this.setOwned(new Map());
    await leaveCluster(this.leaseDb, this.id).catch((e: unknown) => this.o.logger.warn({ err: e }, 'could not leave the cluster; the leases run out by themselves'));
    if (this.o.leaseStore) await this.o.leaseStore.close().catch(() => {});
  }

  private get leaseDb(): Kysely<Database> {
    return (this.o.leaseStore ?? this.o.store).db;
  }

  get status(): ClusterHealth {
    return this.health;
  }

  /**
   * No other member shared the work at the last round: whatever is in the store was written by this
   * process (or by its earlier incarnations, read at start), so it need not look for others' writes.
   */
  get alone(): boolean {
    return !this.othersSharing;
  }

  /** Leases held now, lease → epoch. */
  get leases(): ReadonlyMap<string, number> {
    return this.owned;
  }

  /** The token a check (by id) or an incident's escalation (by incident id) runs under here; undefined when another process runs it. */
  tokenFor(id: string): LeaseToken | undefined {
    return this.tokenOf(leaseOf(id, this.o.partitions));
  }

  tokenOf(lease: string): LeaseToken | undefined {
    const epoch = this.owned.get(lease);
    return epoch === undefined ? undefined : { lease, epoch };
  }

  get singletons(): LeaseToken | undefined {
    return this.tokenOf(SINGLETONS_LEASE);
  }

  setChecksOwned(n: number): void {
    this.metrics?.checks.set(n);
  }

  /**
   * Looks again now (a write was refused: this process learns what it lost). A round under way may
   * have read the leases before what prompted the look: one more runs after it (pokes meanwhile share it).
   */
  poke(): void {
    if (this.stopped || !this.taking) return;
    clearTimeout(this.timer);
    const after = this.round?.catch(() => {});
    void (after ? after.then(() => this.tick()) : this.tick()).finally(() => this.schedule());
  }

  /**
   * Fencing inside the writer's transaction: the tokens still held under the same epoch (as
   * `lease@epoch`). A stale one is recorded as refused; with fencing off it is let through and
   * recorded, in the same transaction, as a stale write accepted.
   */
  async admit(trx: Transaction<Database>, tokens: readonly LeaseToken[], what: string): Promise<Set<string>> {
    // The held ones are named in opsbook.fence by the same statement.
    const held = await holdAndMark(trx, this.id, tokens);
    const stale = dedupe(tokens.filter((t) => !held.has(`${t.lease}@${t.epoch}`)));
    if (stale.length === 0) return held;
    const rows = stale.map((t) => ({ id: newId('fence'), at: Date.now(), member: this.id, lease: t.lease, epoch: t.epoch, what }));
    if (!this.fencing) {
      await recordFencing(trx, rows.map((r) => ({ ...r, outcome: 'accepted_stale' as const })));
      await markWrittenUnder(trx, this.id, new Set(stale.map((t) => `${t.lease}@${t.epoch}`)));
      return new Set(tokens.map((t) => `${t.lease}@${t.epoch}`));
    }
    this.metrics?.rejections.inc(stale.length);
    this.o.logger.warn({ member: this.id, stale, what }, 'write refused by fencing: the lease passed to another process');
    // Outside the refused transaction, so the record survives its rollback.
    void recordFencing(this.leaseDb, rows.map((r) => ({ ...r, outcome: 'rejected' as const }))).catch(() => {});
    this.poke();
    return held;
  }

  /**
   * Fencing for one write made under the running work's lease (see fence-context); work no lease
   * covers (a person's action through the API) is not fenced. Throws OPSBOOK_E_FENCED when stale.
   */
  async fence(trx: Transaction<Database>, what: string, token: LeaseToken | undefined = currentLease()): Promise<void> {
    if (!token) return;
    const held = await this.admit(trx, [token], what);
    if (!held.has(`${token.lease}@${token.epoch}`)) {
      throw new OpsbookError('OPSBOOK_E_FENCED', `${what} refused: lease ${token.lease} epoch ${token.epoch} is no longer held by this process`, { details: { ...token } });
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    // One timer at a time, however many rounds (pokes) ended since the last.
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      void this.tick().finally(() => this.schedule());
    }, nextRoundIn(this.o.leaseMs, this.roundSentAt, performance.now()));
    this.timer.unref?.();
  }

  /**
   * A round, in the context the coordinator was built in: a round a refused write pokes would
   * otherwise run, and move the work (rebuild the scheduler, queue the rules' move), under the lease
   * that write was refused under.
   */
  private readonly roundInOwnContext = AsyncResource.bind(() => this.renewAndBalance());

  private tick(): Promise<void> {
    this.round ??= this.roundInOwnContext().finally(() => {
      this.round = undefined;
    });
    return this.round;
  }

  private async renewAndBalance(): Promise<void> {
    const { leaseMs, partitions } = this.o;
    const db = this.leaseDb;
    const sentAt = performance.now();
    this.roundSentAt = sentAt;
    try {
      const held = new Map((await renewLeases(db, this.id, leaseMs)).map((t) => [t.lease, t.epoch]));
      // Renewed: what it still holds is good for a lease from when the renewal was sent, whatever
      // the rest of the round (balancing, which may wait on locks) takes. What it lost is dropped now.
      if (!this.stopped) {
        this.renewedSentAt = sentAt;
        this.armDeadline();
        const kept = new Map([...this.owned].filter(([l, e]) => held.get(l) === e));
        if (kept.size !== this.owned.size) this.setOwned(kept);
      }
      await heartbeatMember(db, this.memberRow(), leaseMs);
      if (this.draining) {
        if (!this.stopped) this.setOwned(new Map([...held].filter(([l, e]) => !this.released.has(`${l}@${e}`))));
        return;
      }
      // Members draining at a clean stop are counted out: what they give back is taken at once.
      const members = await sharingMembers(db);
      const others = members.some((m) => m.id !== this.id);
      const joinedOrLeft = others !== this.othersSharing;
      this.othersSharing = others;
      const leases = await listLeases(db);
      const target = fairShare(partitions, Math.max(1, takingPart(members, leases, this.id, leaseMs)));
      const isPartition = (name: string) => name !== SINGLETONS_LEASE;
      const mine = [...held.keys()].filter(isPartition);
      if (mine.length > target) {
        // A member joined: give back the surplus (the newest-numbered first) for it to take.
        for (const lease of mine.sort().slice(target)) {
          await releaseLease(db, { lease, epoch: held.get(lease)! }, this.id);
          held.delete(lease);
        }
      }
      // Only the leases of this config: rows of partitions a lowered `partitions` left behind are
      // never taken (one would count against the share while a partition in use stayed unheld).
      const configured = new Set(allLeases(partitions));
      const free = shuffle(leases.filter((l) => configured.has(l.name) && !held.has(l.name) && (l.holder === null || l.expires_at <= l.now)).map((l) => l.name));
      let want = target - [...held.keys()].filter(isPartition).length;
      for (const lease of free) {
        if (lease === SINGLETONS_LEASE || want > 0) {
          const got = await acquireLease(db, lease, this.id, leaseMs, this.lockTimeoutMs).catch(() => undefined);
          if (got) {
            held.set(lease, got.epoch);
            this.acquiredAt.set(lease, Date.now());
            if (lease !== SINGLETONS_LEASE) want--;
          }
        }
      }
      await pruneMembers(db, leaseMs * 10);
      if (this.stopped) return;
      if (performance.now() - sentAt >= leaseMs) {
        this.expired('a lease round took longer than a lease');
        return;
      }
      if (!this.health.ok) this.o.logger.info({ member: this.id, leases: held.size, members: members.length }, 'cluster: renewing leases');
      this.health = { ok: true };
      this.metrics?.healthy.set(1);
      this.setOwned(held);
      // Work that looks for other members' writes starts (or stops) looking, whether or not a lease moved.
      if (joinedOrLeft) this.o.onChange?.(this.owned);
    } catch (e) {
      if (e instanceof OpsbookError && e.code === 'OPSBOOK_E_FENCED') this.superseded(e.message);
      else this.lostContact(e as Error);
    }
  }

  /**
   * A newer process started under this process's name (a restart while this one still ran, or two
   * processes given one name): its leases were taken under new epochs. This one holds nothing from
   * now on, and says why.
   */
  private superseded(why: string): void {
    if (this.stopped) return;
    if (this.health.ok || this.owned.size > 0) this.o.logger.error({ member: this.id, name: this.o.name }, `cluster: leases given up, checks and pages stopped (${why}); give every process its own storage.cluster.member`);
    this.health = { ok: false, reason: why };
    this.metrics?.healthy.set(0);
    this.setOwned(new Map());
  }

  /** Drops everything once the last renewal's leases may have run out: `leaseMs` after it was sent. */
  private armDeadline(): void {
    clearTimeout(this.deadline);
    const left = this.renewedSentAt + this.o.leaseMs - performance.now();
    // Node's timers count whole milliseconds, so one can fire a fraction of a millisecond before
    // performance.now() says the lease ran out; then it is armed again rather than dropped, or a
    // stalled store (no round ever ends to arm it) would keep this process probing for ever.
    this.deadline = setTimeout(() => {
      if (this.stopped) return;
      if (performance.now() - this.renewedSentAt < this.o.leaseMs) this.armDeadline();
      else this.expired('no lease renewal for one lease period');
    }, Math.max(1, Math.ceil(left)));
    this.deadline.unref?.();
  }

  private lostContact(e: Error): void {
    if (this.stopped) return;
    this.o.logger.warn({ member: this.id, err: e.message }, 'cluster: lease renewal failed');
    if (performance.now() - this.renewedSentAt >= this.o.leaseMs) this.expired(`cannot reach PostgreSQL: ${e.message}`);
    else this.health = { ok: this.health.ok, reason: `renewal failing: ${e.message}` };
  }

  private expired(why: string): void {
    if (this.stopped || performance.now() - this.renewedSentAt < this.o.leaseMs) return;
    if (this.owned.size > 0 || this.health.ok) this.o.logger.error({ member: this.id, leases: this.owned.size }, `cluster: leases given up, checks and pages stopped (${why})`);
    this.health = { ok: false, reason: why };
    this.metrics?.healthy.set(0);
    this.setOwned(new Map());
  }

  private setOwned(next: Map<string, number>): void {
    const same = next.size === this.owned.size && [...next].every(([k, v]) => this.owned.get(k) === v);
    for (const k of this.acquiredAt.keys()) if (!next.has(k)) this.acquiredAt.delete(k);
    for (const k of next.keys()) if (!this.acquiredAt.has(k)) this.acquiredAt.set(k, Date.now());
    this.owned = next;
    this.metrics?.owned.set(next.size);
    if (!same) this.o.onChange?.(next);
  }

  private collectAges(): void {
    if (!this.metrics) return;
    this.metrics.age.reset();
    const now = Date.now();
    for (const lease of this.owned.keys()) this.metrics.age.set({ lease }, (now - (this.acquiredAt.get(lease) ?? now)) / 1000);
  }
}

/**
 * How many members the partitions are shared among: this one, each that holds a lease not run out,
 * and each holding none whose heartbeat is under half a lease old (one that joined and takes its
 * share at its next rounds: it heartbeats every third of a lease). A member holding nothing whose
 * heartbeat has aged past that — paused, or killed between its start and its first lease — still
 * has a live row for up to a lease, and counted, it kept the others at a share that left a dead
 * member's leases unheld until that row ran out (a chaos run: four partitions unprobed for 20 s).
 * Misjudged (a member's round late by more than a sixth of a lease), the others take a free lease
 * beyond their share and give it back at a later round: a lease moved once more, none left unheld.
 */
export function takingPart(members: readonly { id: string; heartbeat_at: number | string }[], leases: readonly { holder: string | null; expires_at: number | string; now: number | string }[], self: string, leaseMs: number): number {
  const now = Number(leases[0]?.now ?? Date.now());
  const holding = new Set(leases.filter((l) => l.holder !== null && Number(l.expires_at) > Number(l.now)).map((l) => l.holder));
  return members.filter((m) => m.id === self || holding.has(m.id) || now - Number(m.heartbeat_at) < leaseMs / 2).length;
}

function dedupe(tokens: readonly LeaseToken[]): LeaseToken[] {
  const seen = new Map(tokens.map((t) => [`${t.lease}@${t.epoch}`, t]));
  return [...seen.values()];
}

function shuffle<T>(xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}
