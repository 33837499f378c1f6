import type { Store } from '../../store/index.js';
import { checkKeys, insertResults, type AdmitResults, type HistoryKeyCache, type StoredResult } from '../../store/repos/check-history.js';
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
  /** Fencing: which checks' results a batch may write, asked in its transaction. */
  admit?: AdmitResults;
}

/**
 * Buffers results and writes them in batches: one transaction per second instead of one per
 * result keeps 1,000 results a second cheap on SQLite. Pending results (a first counter scrape)
 * are not stored.
 */
export class HistoryWriter {
  private buffer: StoredResult[] = [];
  /** Per batch taken for writing and not written yet: the checks forgotten since it was taken. */
  private readonly writingBatches = new Set<Set<string>>();
  private cancel: (() => void) | undefined;
  private writing: Promise<void> = Promise.resolve();
  private readonly flushEveryMs: number;
  private readonly maxBatch: number;
  private readonly cache: HistoryKeyCache = { checks: new Map(), errors: new Map() };

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

  record(r: CheckResult): void {
    if (r.pending) return;
    this.buffer.push({
      checkId: r.checkId,
      at: r.at,
      down: r.status === 'down',
      level: LEVEL_RANK[r.level] as 0 | 1 | 2,
      latencyMs: r.latencyMs,
      value: r.value ?? null,
      error: r.error ?? (r.status === 'down' ? failedConditions(r) : null),
    });
    if (this.buffer.length >= this.maxBatch) void this.flush();
    else if (!this.cancel) this.cancel = this.opts.clock.at(this.opts.clock.now() + this.flushEveryMs, () => void this.flush());
  }

  /**
   * Drops the results of these checks not written yet, those of a batch being written included
   * (up to the moment its transaction asks `admit`): for checks whose lease passed on, whose results
   * must not be written, even should the lease come back under a new epoch before the write.
   */
  forget(checkIds: readonly string[]): void {
    if (checkIds.length === 0) return;
    const ids = new Set(checkIds);
    this.buffer = this.buffer.filter((r) => !ids.has(r.checkId));
    for (const forgotten of this.writingBatches) for (const id of ids) forgotten.add(id);
  }

  /** Writes what is buffered; resolves when it (and any earlier write) is stored. */
  flush(): Promise<void> {
    this.cancel?.();
    this.cancel = undefined;
    const batch = this.buffer;
    this.buffer = [];
    const forgotten = new Set<string>();
    this.writingBatches.add(forgotten);
    // Asked in the batch's transaction, after the fencing (which holds the leases until it commits).
    const admit = async (trx: Parameters<AdmitResults>[0], ids: readonly string[]): Promise<ReadonlySet<string>> => {
      const allowed = this.opts.admit ? await this.opts.admit(trx, ids) : new Set(ids);
      return forgotten.size === 0 ? allowed : new Set([...allowed].filter((id) => !forgotten.has(id)));
    };
    this.writing = this.writing.then(async () => {
      try {
        await insertResults(this.opts.store.db, batch, this.opts.clock.now(), this.cache, admit);
      } catch (e) {
        this.opts.onError?.(e);
      } finally {
        this.writingBatches.delete(forgotten);
      }
    });
    return this.writing;
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
