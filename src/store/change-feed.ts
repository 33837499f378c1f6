import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { Database } from './database.js';

/** Something in the store changed: `topic` says what kind of thing (`incident`, `execution`), `id` which one. */
export interface StoreChange {
  topic: string;
  id: string;
}

/**
 * Changes written to the store by any process, as they commit. Database triggers record them, so a
 * CLI writing the store directly is seen like the daemon itself. The feed reads only while someone
 * subscribes; a change can arrive more than once, and a burst is not coalesced here.
 */
export interface ChangeFeed {
  subscribe(fn: (change: StoreChange) => void): () => void;
  /** Resolves once the feed reads from where the store stands now: a change committed later is delivered. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** Channel the PostgreSQL triggers NOTIFY on (migration 000014). */
export const CHANGE_CHANNEL = 'opsbook_changes';

// SQLite has no notifications: a reader polls the change table. A quarter second keeps a page within
// a breath of the store for the cost of one indexed read.
const SQLITE_POLL_MS = 250;
// Rows kept behind the newest: enough for a slow poller, small enough to never matter.
const SQLITE_KEEP = 10_000;
const PRUNE_EVERY = 200;
const PG_RECONNECT_MS = 1000;

abstract class Subscribers implements ChangeFeed {
  private readonly fns = new Set<(change: StoreChange) => void>();
  protected closed = false;

  subscribe(fn: (change: StoreChange) => void): () => void {
    this.fns.add(fn);
    if (this.fns.size === 1 && !this.closed) this.begin();
    return () => {
      if (this.fns.delete(fn) && this.fns.size === 0) void this.end();
    };
  }

  protected emit(change: StoreChange): void {
    for (const fn of this.fns) {
      try {
        fn(change);
      } catch {
        // One broken subscriber must not stop the others.
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.fns.clear();
    await this.end();
  }

  abstract ready(): Promise<void>;
  protected abstract begin(): void;
  protected abstract end(): Promise<void>;
}

/** SQLite: reads `store_changes` past the last sequence number seen, every SQLITE_POLL_MS. */
export class PollingChangeFeed extends Subscribers {
  private timer: NodeJS.Timeout | undefined;
  private last: number | undefined;
  private polls = 0;
  private busy: Promise<void> | undefined;
  private started: Promise<void> = Promise.resolve();

  constructor(private readonly db: Kysely<Database>, private readonly pollMs = SQLITE_POLL_MS) {
    super();
  }

  protected begin(): void {
    this.last = undefined;
    this.timer = setInterval(() => {
      this.busy ??= this.poll().finally(() => (this.busy = undefined));
    }, this.pollMs);
    this.timer.unref();
    this.started = this.busy ??= this.poll().finally(() => (this.busy = undefined));
  }

  ready(): Promise<void> {
    return this.started;
  }

  protected async end(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.busy;
  }

  /** Reads what was appended since the last poll; the first poll only records where the feed stands. */
  async poll(): Promise<void> {
    try {
      if (this.last === undefined) {
        const row = await this.db.selectFrom('store_changes').select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirst();
        this.last = Number(row?.seq ?? 0);
        return;
      }
      const rows = await this.db.selectFrom('store_changes').select(['seq', 'topic', 'key']).where('seq', '>', this.last).orderBy('seq').limit(1000).execute();
      for (const r of rows) {
        this.last = Number(r.seq);
        if (this.timer) this.emit({ topic: r.topic, id: r.key });
      }
      if (++this.polls % PRUNE_EVERY === 0) await this.db.deleteFrom('store_changes').where('seq', '<=', this.last - SQLITE_KEEP).execute();
    } catch {
      // A locked or closing database: the next poll tries again from the same place.
    }
  }
}

/**
 * PostgreSQL: one dedicated connection that LISTENs; it reconnects after losing the server. Given
 * pg's Client by the PostgreSQL store, so this module loads no driver.
 */
export class ListeningChangeFeed extends Subscribers {
  private client: pg.Client | undefined;
  private retry: NodeJS.Timeout | undefined;
  private active = false;

  constructor(
    private readonly connectionString: string,
    private readonly Client: typeof pg.Client,
  ) {
    super();
  }

  protected begin(): void {
    this.active = true;
    void this.connect();
  }

  private listening: Promise<void> = Promise.resolve();

  ready(): Promise<void> {
    return this.listening;
  }

  private connect(): Promise<void> {
    const client = new this.Client({ connectionString: this.connectionString });
    this.client = client;
    client.on('notification', (n) => {
      if (n.channel !== CHANGE_CHANNEL || !n.payload) return;
      const at = n.payload.indexOf(':');
      if (at > 0) this.emit({ topic: n.payload.slice(0, at), id: n.payload.slice(at + 1) });
    });
    const lost = () => {
      if (this.client !== client) return;
      this.client = undefined;
      void client.end().catch(() => {});
      if (this.active && !this.closed) {
        this.retry = setTimeout(() => void this.connect(), PG_RECONNECT_MS);
        this.retry.unref();
      }
    };
    client.on('error', lost);
    client.on('end', lost);
    this.listening = client
      .connect()
      .then(() => client.query(`LISTEN ${CHANGE_CHANNEL}`))
      .then(() => undefined, lost);
    return this.listening;
  }

  protected async end(): Promise<void> {
    this.active = false;
    if (this.retry) clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }
}
