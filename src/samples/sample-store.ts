import { compileMatcher, labelsKey, METRIC_NAME, type Labels, type Matcher, type SeriesSink, type SeriesSource, type StoredSample, type StoredSeries } from '../promql/index.js';
import type { Clock } from '../lib/clock.js';
import { loadSampleChunks, pruneSampleChunks, sampleSeriesIds, upsertSampleChunks, type SampleChunkRow, type Store } from '../store/index.js';
import { decodeChunk, encodeChunk } from './chunk.js';

export interface SampleStoreOptions {
  /** How long samples are kept (default 2 h). */
  retentionMs?: number;
  /** Width of a chunk window: a series' samples in one window are packed into one chunk (default 15 min). */
  chunkMs?: number;
  /** How often the open windows are written to the store (default 15 s; a crash loses at most this much). */
  flushMs?: number;
  /** How often samples past the retention are dropped (default 1 min). */
  pruneMs?: number;
  /** A timed flush or prune that failed (the store refused it); the next one runs on time all the same. */
  onError?: (what: 'flush' | 'prune', err: unknown) => void;
}

/** A closed chunk window of one series, packed; `persisted` once the store has it in this form. */
interface Chunk {
  start: number;
  minT: number;
  maxT: number;
  count: number;
  data: Uint8Array;
  persisted: boolean;
}

interface Entry {
  key: string;
  labels: Labels;
  /** Canonical JSON of the label set: the store's identity for the series. */
  text: string;
  id?: number;
  chunks: Chunk[];
  /** Samples of the open window, in memory as they came. */
  head: StoredSample[];
  headStart: number;
  lastT: number;
}

/** One sample of a scrape, labels including `__name__`. */
export interface ScrapedSample {
  labels: Labels;
  value: number;
}

const DEFAULTS = { retentionMs: 2 * 3_600_000, chunkMs: 15 * 60_000, flushMs: 15_000, pruneMs: 60_000, onError: () => {} };

/**
 * Scraped samples over a bounded window: the open chunk window of each series in memory as it
 * grows, closed windows packed (chunk.ts); both written to the store (migration 000010) so a
 * restart keeps the window. Reads are synchronous from memory, which is what PromQL's
 * `SeriesSource` needs; the store is only written, and read once at open.
 */
export class SampleStore {
  private readonly entries = new Map<string, Entry>();
  private readonly byName = new Map<string, Set<string>>();
  /** Series keys each target gave at its last scrape, for staleness markers. */
  private readonly targets = new Map<string, Set<string>>();
  private readonly dirty = new Set<Entry>();
  private readonly options: Required<SampleStoreOptions>;
  private cancelFlush: (() => void) | undefined;
  private flushTurn = 0;
  private cancelPrune: (() => void) | undefined;
  private flushing: Promise<void> | undefined;
  private stopped = false;
  /** Samples accepted since open; samples refused as out of order. */
  readonly counts = { appended: 0, outOfOrder: 0 };

  private constructor(
    private readonly store: Store | undefined,
    private readonly clock: Clock,
    options: SampleStoreOptions,
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** A store-backed sample store, loaded with the samples of the retention window. */
  static async open(store: Store, clock: Clock, options: SampleStoreOptions = {}): Promise<SampleStore> {
    const s = new SampleStore(store, clock, options);
    await s.load();
    return s;
  }

  /** A sample store that keeps nothing past the process (a check run outside the daemon, `opsbook test`). */
  static inMemory(clock: Clock, options: SampleStoreOptions = {}): SampleStore {
    return new SampleStore(undefined, clock, options);
  }

  get retentionMs(): number {
    return this.options.retentionMs;
  }

  /** Series held now. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * What PromQL reads: every series held, with its samples in (mint, maxt]. It is also a sink:
   * recording rules and the ALERTS series of rule files write back into the store through `add`.
   */
  series(): SeriesSource & SeriesSink {
    return {
      select: (matchers, mint, maxt) => this.select(matchers, mint, maxt),
      add: (labels, t, v, stale) => void this.append(labels, t, v, stale),
    };
  }

  /**
   * Appends one sample; false when it is before the series' last sample (out of order). A sample at the
   * instant of the last one replaces it: a second scrape in the same millisecond (a check run twice on a
   * clock that did not move) is the newer reading.
   */
  append(labels: Labels, t: number, v: number, stale = false): boolean {
    return this.appendTo(this.entry(labels), t, v, stale);
  }

  /**
   * One scrape of one target (`target` names it: job and instance). Series the target gave last time
   * and not now get a staleness marker at `t`, as Prometheus writes one, so they drop out of instant
   * queries at once instead of 5 minutes later.
   */
  appendScrape(target: string, t: number, samples: readonly ScrapedSample[]): number {
    const seen = new Set<string>();
    let n = 0;
    for (const s of samples) {
      const e = this.entry(s.labels);
      if (seen.has(e.key)) continue; // a repeated series in one exposition: the first wins, as Prometheus keeps
      seen.add(e.key);
      if (this.appendTo(e, t, s.value, false)) n++;
    }
    const before = this.targets.get(target);
    if (before) for (const key of before) if (!seen.has(key)) this.markStale(key, t);
    this.targets.set(target, seen);
    return n;
  }

  /** The target is gone (removed from the config, or its scrape failed): each of its series ends at `t`. */
  endTarget(target: string, t: number): void {
    for (const key of this.targets.get(target) ?? []) this.markStale(key, t);
    this.targets.delete(target);
  }

  /** Targets scraped at least once and not ended. */
  knownTargets(): string[] {
    return [...this.targets.keys()];
  }

  private markStale(key: string, t: number): void {
    const e = this.entries.get(key);
    if (e) this.appendTo(e, t, Number.NaN, true);
  }

  private entry(raw: Labels): Entry {
    const key = labelsKey(raw);
    let e = this.entries.get(key);
    if (e) return e;
    const labels = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== ''));
    e = { key, labels, text: labelsText(labels), chunks: [], head: [], headStart: -Infinity, lastT: -Infinity };
    this.index(e);
    return e;
  }

  private index(e: Entry): void {
    this.entries.set(e.key, e);
    const name = e.labels[METRIC_NAME] ?? '';
    let keys = this.byName.get(name);
    if (!keys) this.byName.set(name, (keys = new Set()));
    keys.add(e.key);
  }

  private appendTo(e: Entry, t: number, v: number, stale: boolean): boolean {
    if (t === e.lastT && e.head.length > 0) {
      e.head[e.head.length - 1] = stale ? { t, v: Number.NaN, stale: true } : { t, v };
      this.dirty.add(e);
      return true;
    }
    if (t <= e.lastT) {
      this.counts.outOfOrder++;
      return false;
    }
    const window = Math.floor(t / this.options.chunkMs) * this.options.chunkMs;
    if (window > e.headStart) {
      if (e.head.length > 0) e.chunks.push(packed(e.headStart, e.head, false));
      e.head = [];
      e.headStart = window;
    }
    e.head.push(stale ? { t, v: Number.NaN, stale: true } : { t, v });
    e.lastT = t;
    this.dirty.add(e);
    this.counts.appended++;
    return true;
  }

  private *select(matchers: readonly Matcher[], mint: number, maxt: number): Iterable<StoredSeries> {
    const compiled = matchers.map(compileMatcher);
    const nameEq = matchers.find((m) => m.name === METRIC_NAME && m.type === '=');
    const keys = nameEq ? (this.byName.get(nameEq.value) ?? []) : this.entries.keys();
    for (const key of keys) {
      const e = this.entries.get(key)!;
      if (e.lastT <= mint || !compiled.every((m) => m(e.labels[m.label] ?? ''))) continue;
      const samples: StoredSample[] = [];
      for (const c of e.chunks) {
        if (c.maxT <= mint || c.minT > maxt) continue;
        for (const s of decodeChunk(c.data)) if (s.t > mint && s.t <= maxt) samples.push(s);
      }
      for (const s of e.head) if (s.t > mint && s.t <= maxt) samples.push(s);
      if (samples.length > 0) yield { labels: e.labels, samples };
    }
  }

  /** Writes every series changed since the last flush: new closed chunks, and the open window as it is now. */
  flush(): Promise<void> {
    const run = (this.flushing ?? Promise.resolve()).then(() => this.doFlush());
    // Settles whatever the write did: a refused write is its caller's to report, not an unhandled rejection.
    const flushing: Promise<void> = run.then(
      () => undefined,
      () => undefined,
    ).finally(() => {
      if (this.flushing === flushing) this.flushing = undefined;
    });
    this.flushing = flushing;
    return run;
  }

  private async doFlush(): Promise<void> {
    if (!this.store || this.dirty.size === 0) return;
    const batch = [...this.dirty];
    this.dirty.clear();
    try {
      const missing = batch.filter((e) => e.id === undefined);
      if (missing.length > 0) {
        const ids = await sampleSeriesIds(this.store.db, missing.map((e) => e.text), this.clock.now());
        for (const e of missing) e.id = ids.get(e.text);
      }
      const rows: SampleChunkRow[] = [];
      const written: Chunk[] = [];
      for (const e of batch) {
        for (const c of e.chunks) {
          if (c.persisted) continue;
          rows.push({ seriesId: e.id!, start: c.start, minT: c.minT, maxT: c.maxT, count: c.count, data: c.data });
          written.push(c);
        }
        if (e.head.length > 0) {
          const c = packed(e.headStart, e.head, true);
          rows.push({ seriesId: e.id!, start: c.start, minT: c.minT, maxT: c.maxT, count: c.count, data: c.data });
        }
      }
      await this.store.db.transaction().execute((trx) => upsertSampleChunks(trx, rows));
      for (const c of written) c.persisted = true;
    } catch (err) {
      for (const e of batch) this.dirty.add(e);
      throw err;
    }
  }

  /** Drops samples whose chunk ended before the retention window, in memory and in the store. */
  async prune(): Promise<{ chunks: number; series: number }> {
    const cutoff = this.clock.now() - this.options.retentionMs;
    for (const e of this.entries.values()) {
      e.chunks = e.chunks.filter((c) => c.maxT > cutoff);
      if (e.chunks.length === 0 && e.lastT <= cutoff) {
        this.entries.delete(e.key);
        this.byName.get(e.labels[METRIC_NAME] ?? '')?.delete(e.key);
        this.dirty.delete(e);
        for (const keys of this.targets.values()) keys.delete(e.key);
      }
    }
    if (!this.store) return { chunks: 0, series: 0 };
    await this.flushing;
    const keep = new Set<number>();
    for (const e of this.entries.values()) if (e.id !== undefined) keep.add(e.id);
    return pruneSampleChunks(this.store.db, cutoff, keep);
  }

  private async load(): Promise<void> {
    const { series, chunks } = await loadSampleChunks(this.store!.db, this.clock.now() - this.options.retentionMs);
    const bySeries = new Map<number, SampleChunkRow[]>();
    for (const c of chunks) {
      let list = bySeries.get(c.seriesId);
      if (!list) bySeries.set(c.seriesId, (list = []));
      list.push(c);
    }
    for (const [id, list] of bySeries) {
      const text = series.get(id);
      if (text === undefined) continue;
      const labels = Object.fromEntries(JSON.parse(text) as [string, string][]);
      const last = list[list.length - 1]!;
      const e: Entry = {
        key: labelsKey(labels),
        labels,
        text,
        id,
        chunks: list.slice(0, -1).map((c) => ({ start: c.start, minT: c.minT, maxT: c.maxT, count: c.count, data: c.data, persisted: true })),
        head: decodeChunk(last.data),
        headStart: last.start,
        lastT: last.maxT,
      };
      this.index(e);
    }
  }

  /**
   * A reload's retention and flush interval: the next prune keeps the new window (a longer one
   * brings back nothing already dropped), and the next flush is due a new interval from now.
   */
  reconfigure(options: { retentionMs: number; flushMs: number }): void {
    this.options.retentionMs = options.retentionMs;
    if (options.flushMs === this.options.flushMs) return;
    this.options.flushMs = options.flushMs;
    if (!this.cancelFlush || this.stopped) return;
    this.cancelFlush();
    this.armFlush();
  }

  /**
   * One flush loop: each arming has its turn, and only the current one arms the next. A reload that
   * re-arms while a timer's flush is still writing would otherwise leave that flush to arm a second
   * loop when it ends.
   */
  private armFlush(): void {
    const turn = ++this.flushTurn;
    this.cancelFlush = this.clock.at(this.clock.now() + this.options.flushMs, () => {
      if (this.stopped || turn !== this.flushTurn) return;
      void this.flush()
        .catch((err: unknown) => this.options.onError('flush', err))
        .finally(() => {
          if (turn === this.flushTurn) this.armFlush();
        });
    });
  }

  /** Flushes and prunes on the clock until `stop`. */
  start(): void {
    this.stopped = false;
    const armPrune = (): void => {
      this.cancelPrune = this.clock.at(this.clock.now() + this.options.pruneMs, () => {
        if (this.stopped) return;
        void this.prune().catch((err: unknown) => this.options.onError('prune', err)).finally(armPrune);
      });
    };
    this.armFlush();
    armPrune();
  }

  /** Stops the timers and writes what is not yet written. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelFlush?.();
    this.cancelPrune?.();
    await this.flush();
  }
}

function packed(start: number, samples: readonly StoredSample[], persisted: boolean): Chunk {
  return { start, minT: samples[0]!.t, maxT: samples[samples.length - 1]!.t, count: samples.length, data: encodeChunk(samples), persisted };
}

function labelsText(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
