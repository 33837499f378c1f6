import type { LeaseToken, Store } from '../../store/index.js';
import { checkKeys, insertResults, lastRuns, newestFailures, recentResults, settledProbes, type AdmitResults, type HistoryRow, type RecentResult, type HistoryKeyCache, type SettledProbe, type StoredLastRun } from '../../store/repos/check-history.js';
import type { Clock } from '../../lib/clock.js';
import { LEVEL_RANK, type CheckResult } from '../types.js';

export interface HistoryWriterOptions {
  store: Store;
  clock: Clock;
  /** Results are written at most this often, in one transaction (default 1s). */
  flushEveryMs?: number;
  /** A batch this large is written at once (default 2000). */
  maxBatch?: number;
  onError?: (e: unknown) => void;
  /** Fencing: which of a batch's results may be written, asked in its transaction. */
  admit?: AdmitResults;
}

/** How many batches of results refused by the store are kept for the next write (see flush). */
const KEPT_BATCHES = 10;

/**
 * A check whose stored settled state is worse than the rules have seen (see HistoryWriter.awaitRules):
 * `at` names the result (or the stored state) they must see first; `stored` is the settled state
 * stored meanwhile, `held` a better one waiting for them, with the lease of the result that changed it.
 */
interface Unseen {
  at: number;
  stored: SettledProbe;
  held?: { settled: SettledProbe; lease: LeaseToken | undefined };
}

/** Whether `next` is better than `stored` in status or in level (the settled state would improve). */
function better(next: SettledProbe, stored: SettledProbe): boolean {
  return (stored.down === true && next.down !== true) || next.level < stored.level;
}

/**
 * Buffers results and writes them in batches: one transaction per second instead of one per
 * result keeps 1,000 results a second cheap on SQLite. Pending results (a first counter scrape)
 * are not stored. A result that changed its check's settled state is written at once, with the
 * batch it joined (see `record`).
 *
 * The stored settled state gets better only once the rules have seen it worse: a process whose
 * rules lag behind its checks (a loaded machine) may store a failure and the recovery after it
 * before they saw either, and the process that runs the check next (after a kill, a lease move)
 * catches its rules up with a stored state worse than ok — a stored `up` would leave the outage
 * unpaged. So while a check's worse state waits for the rules (`awaitRules`), a better one is held
 * back (its result is written as any other) and written by the first write after `rulesSaw`.
 */
export class HistoryWriter {
  private buffer: HistoryRow[] = [];
  /** Checks whose stored settled state the rules have not seen yet, by id. */
  private readonly unseen = new Map<string, Unseen>();
  private cancel: (() => void) | undefined;
  private writing: Promise<void> = Promise.resolve();
  private readonly flushEveryMs: number;
  private readonly maxBatch: number;
  private readonly cache: HistoryKeyCache = { checks: new Map(), errors: new Map() };
  /** A write of a settled change waiting for the write in flight (see flushPromptly). */
  private prompt: Promise<void> | undefined;

  constructor(private readonly opts: HistoryWriterOptions) {
    this.flushEveryMs = opts.flushEveryMs ?? 1000;
    this.maxBatch = opts.maxBatch ?? 2000;
  }

  /**
   * Creates the stored keys of these checks now, in one transaction, so the first round of results
   * (every check at once after a start) is written as cheaply as every later one.
   */
  async prepare(checkIds: readonly string[]): Promise<void> {
    const missing = checkIds.filter((id) => !this.cache.checks.has(id));
    if (missing.length === 0) return;
    const keys = await this.opts.store.db.transaction().execute((trx) => checkKeys(trx, missing, this.opts.clock.now()));
    for (const [id, key] of keys) this.cache.checks.set(id, key);
  }

  /** The settled probe states stored for these checks (those that have one). */
  settled(checkIds: readonly string[]): Promise<Map<string, SettledProbe>> {
    return settledProbes(this.opts.store.db, checkIds);
  }

  /** The newest stored results of these checks, newest first, as many of each as asked (see recentResults). */
  recent(wanted: ReadonlyMap<string, number>): Promise<Map<string, RecentResult[]>> {
    return recentResults(this.opts.store.db, wanted);
  }

  /** The newest stored failing run of each of these checks that has one, with what it observed (see newestFailures). */
  failures(checkIds: readonly string[]): Promise<Map<string, { at: number; text: string }>> {
    return newestFailures(this.opts.store.db, checkIds);
  }

  /** When each of these checks last ran as far as the store knows (see lastRuns); results still buffered here are not counted. */
  lastRuns(checkIds: readonly string[]): Promise<Map<string, StoredLastRun>> {
    return lastRuns(this.opts.store.db, checkIds);
  }

  /**
   * Buffers a result; `lease` is the one its check ran under, which fencing judges when it is
   * written; `settled`, the check's settled probe state when this result changed it. A settled
   * change is written at once, with what is buffered (the batch's own transaction and fencing): a
   * crash within a flush interval of it would otherwise lose it, and the check would start again
   * from its previous state (its incident resolved at the next run, opened again later with a
   * second page). Changes are rare (a check's transitions); those that come together, or while a
   * write is in flight, share the next write. `worse`: the change made the state worse, and the
   * rules will tell when they have seen it (`rulesSaw` with the result's time); a better state that
   * comes before is held back until then.
   */
  record(r: CheckResult, lease?: LeaseToken, settled?: SettledProbe, worse = false): void {
    if (r.pending) return;
    if (settled) {
      const unseen = this.unseen.get(r.checkId);
      if (unseen && better(settled, unseen.stored)) {
        // Held back: the rules have not seen the worse state stored yet (the result is written all the same).
        unseen.held = { settled, lease };
        if (worse) unseen.at = r.at;
        settled = undefined;
      } else if (unseen) {
        unseen.stored = settled;
        delete unseen.held;
        if (worse) unseen.at = r.at;
      } else if (worse) {
        this.unseen.set(r.checkId, { at: r.at, stored: settled });
      }
    }
    this.buffer.push({
      ...(lease ? { lease } : {}),
      ...(settled ? { settled } : {}),
      checkId: r.checkId,
      at: r.at,
      down: r.status === 'down',
      level: LEVEL_RANK[r.level] as 0 | 1 | 2,
      ...(r.status === 'unknown' ? { unknown: true } : {}),
      latencyMs: r.latencyMs,
      value: r.value ?? null,
      error: r.error ?? (r.status === 'down' ? failedConditions(r) : null),
    });
    if (this.buffer.length >= this.maxBatch) void this.flush();
    else if (settled) void this.flushPromptly();
    else if (!this.cancel) this.cancel = this.opts.clock.at(this.opts.clock.now() + this.flushEveryMs, () => void this.flush());
  }

  /**
   * A check starts from a stored settled state worse than ok (a start, a partition gained) that its
   * rules are about to catch up with (`at`: its newest stored result's time): a better state is held
   * back until `rulesSaw(checkId, at)`. The results that make a state worse are awaited by `record`.
   */
  awaitRules(checkId: string, at: number, stored: SettledProbe): void {
    this.unseen.set(checkId, { at, stored });
  }

  /**
   * The rules have evaluated the check's result at `at` (or caught up with its stored state of that
   * time): a better state held back for the worse one it made is written now, with what is buffered.
   * Resolves once that write is done (at once when there is none). An older `at` releases nothing:
   * a newer worse state still waits.
   */
  rulesSaw(checkId: string, at: number): Promise<void> {
    const unseen = this.unseen.get(checkId);
    if (!unseen || unseen.at !== at) return Promise.resolve();
    this.unseen.delete(checkId);
    if (!unseen.held) return Promise.resolve();
    this.buffer.push({ ...(unseen.held.lease ? { lease: unseen.held.lease } : {}), checkId, settled: unseen.held.settled, resultless: true });
    return this.flushPromptly();
  }

  /** Checks this writer no longer runs (their partition passed on, or gone): what they held back is dropped; their next runner reads the store. */
  forget(checkIds: readonly string[]): void {
    for (const id of checkIds) this.unseen.delete(id);
  }

  /** Writes what is buffered as soon as the write in flight (if any) is done; one such write waits at a time. Resolves once it is done. */
  private flushPromptly(): Promise<void> {
    this.prompt ??= this.writing.then(() => {
      this.prompt = undefined;
      return this.flush();
    });
    return this.prompt;
  }

  /**
   * Writes what is buffered, after what a refused write kept; resolves when it (and any earlier
   * write) is stored or refused. A refused batch (a locked or lost store) is reported and kept for
   * the next write, which the flush timer makes even if no result comes: results and settled states
   * are not lost to a store error (past KEPT_BATCHES batches, the oldest are, and that is reported).
   */
  flush(): Promise<void> {
    this.cancel?.();
    this.cancel = undefined;
    const batch = this.buffer;
    this.buffer = [];
    this.writing = this.writing.then(async () => {
      // The kept results are older than the batch: a settled state the batch changed again wins.
      const rows = this.kept.length > 0 ? [...this.kept, ...batch] : batch;
      this.kept = [];
      if (rows.length === 0) return;
      try {
        await insertResults(this.opts.store.db, rows, this.opts.clock.now(), this.cache, this.opts.admit);
      } catch (e) {
        this.opts.onError?.(e);
        this.keep(rows);
      }
    });
    return this.writing;
  }

  /** Results a write could not store, written first by the next one. */
  private kept: HistoryRow[] = [];

  private keep(rows: HistoryRow[]): void {
    const bound = KEPT_BATCHES * this.maxBatch;
    if (rows.length > bound) this.opts.onError?.(new Error(`${rows.length - bound} check results dropped: the store refused them and more than ${bound} are waiting`));
    this.kept = rows.length > bound ? rows.slice(-bound) : rows;
    if (!this.cancel) this.cancel = this.opts.clock.at(this.opts.clock.now() + this.flushEveryMs, () => void this.flush());
  }

  get buffered(): number {
    return this.buffer.length;
  }
}

/**
 * Why a run that raised no error was down: the conditions that did not hold, as written (without
 * the observed values, which differ run to run and would make every stored text a new one).
 */
function failedConditions(r: CheckResult): string | null {
  const failed = r.conditions.filter((c) => c.list === 'conditions' && !c.ok).map((c) => c.text);
  return failed.length > 0 ? `failed: ${failed.join('; ')}` : null;
}
