import { Kysely, Migrator, sql, type MigrationResult } from 'kysely';
import type { Database } from './database.js';
import { MIGRATION_NAMES } from './migrations/index.js';
import { OpsbookError } from '../lib/errors/index.js';
import { PollingChangeFeed, type ChangeFeed } from './change-feed.js';
import type { LeaseOwners } from './lease-owners.js';

export type StoreDialect = 'sqlite' | 'postgres';

export interface MigrationReport {
  /** Migrations applied by this call, in order. */
  applied: string[];
  /** Every migration the store now has. */
  current: string[];
}

/**
 * The one storage boundary. Domains talk to the store through the repositories in `repos/`, which
 * use Kysely's query builder so the same code runs on SQLite and PostgreSQL.
 */
export interface Store {
  readonly dialect: StoreDialect;
  readonly db: Kysely<Database>;
  /** Where the data lives: a file path, or the PostgreSQL URL without its password. */
  readonly location: string;
  migrate(): Promise<MigrationReport>;
  migrationStatus(): Promise<{ applied: string[]; pending: string[] }>;
  /**
   * SQLite only: an online, consistent copy of the database into `dest` through SQLite's backup
   * API, taken in one step so writers never restart it. Undefined on PostgreSQL (use pg_dump).
   */
  readonly backup?: (dest: string) => Promise<{ pages: number }>;
  /** Changes committed by any process (triggers record them), for live views. */
  readonly changes: ChangeFeed;
  /**
   * SQLite file only: which outbox lease owners are alive (see LeaseOwners). On PostgreSQL the
   * cluster's membership tells (the claim reads it); in memory only one process can be there.
   */
  readonly leaseOwners?: LeaseOwners;
  /**
   * SQLite file only: a WAL checkpointer in another thread hands over a flag it raises while it
   * needs the write lock; this process's queries and transactions wait to begin while it is up
   * (SqliteConnection.giveWayTo). Undefined hands nothing.
   */
  readonly giveWayTo?: (gate: Int32Array | undefined) => void;
  /** Cheap round trip to prove the store answers. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export class KyselyStore implements Store {
  private closed = false;
  /** Set by the SQLite store over its connection (see Store.giveWayTo). */
  giveWayTo?: (gate: Int32Array | undefined) => void;

  constructor(
    readonly dialect: StoreDialect,
    readonly db: Kysely<Database>,
    readonly location: string,
    private readonly onClose: () => Promise<void> = async () => {},
    readonly backup?: (dest: string) => Promise<{ pages: number }>,
    readonly changes: ChangeFeed = new PollingChangeFeed(db),
    readonly leaseOwners?: LeaseOwners,
  ) {}

  private async migrator(): Promise<Migrator> {
    const { migrationProvider } = await import('./migrations/index.js');
    return new Migrator({ db: this.db, provider: migrationProvider });
  }

  /**
   * Refuses a store whose schema is newer than this binary: a migration recorded in the store that
   * the code does not know means a newer opsbook wrote it, and running on it would misread tables.
   */
  private async assertKnownSchema(): Promise<string[]> {
    const recorded = await recordedMigrations(this.db, this.dialect);
    const known = new Set(MIGRATION_NAMES);
    const unknown = recorded.filter((name) => !known.has(name));
    if (unknown.length === 0) return recorded;
    const newest = [...recorded].sort().at(-1)!;
    throw new OpsbookError(
      'OPSBOOK_E_STORE_NEWER',
      `the store ${this.location} is at schema ${newest}, newer than this opsbook knows (its latest is ${knownMigrations().at(-1)}; unknown: ${unknown.join(', ')}). Run the opsbook that wrote it, or restore a backup taken by this version.`,
    );
  }

  async migrate(): Promise<MigrationReport> {
    const recorded = new Set(await this.assertKnownSchema());
    const names = knownMigrations();
    // Nothing to apply (every start of a command on a migrated store): answered from the one read of
    // kysely_migration, without the Migrator's lock and its introspection of every table.
    if (names.every((name) => recorded.has(name))) return { applied: [], current: names };
    const { error, results } = await (await this.migrator()).migrateToLatest();
    const applied = (results ?? []).filter((r: MigrationResult) => r.status === 'Success').map((r) => r.migrationName);
    if (error) {
      const failed = (results ?? []).find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
      throw new OpsbookError('OPSBOOK_E_STORE_MIGRATION', `migration ${failed} failed: ${String((error as Error).message ?? error)}`, {
        cause: error,
      });
    }
    const status = await this.migrationStatus();
    return { applied, current: status.applied };
  }

  async migrationStatus(): Promise<{ applied: string[]; pending: string[] }> {
    // As the Migrator reports it (every known migration in name order, recorded or not), from one read.
    const recorded = new Set(await this.assertKnownSchema());
    const names = knownMigrations();
    return { applied: names.filter((name) => recorded.has(name)), pending: names.filter((name) => !recorded.has(name)) };
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.changes.close();
    await this.db.destroy();
    await this.onClose();
  }
}

/** Migrations recorded in the store (none when it was never migrated). */
async function recordedMigrations(db: Kysely<Database>, dialect: StoreDialect): Promise<string[]> {
  // Whether kysely_migration exists, asked of the catalogue for that one table (introspecting every
  // table, as Kysely does, costs more than the rest of a command's reads). Unqualified, as the
  // Migrator creates it: PostgreSQL's current schema.
  const table =
    dialect === 'sqlite'
      ? await sql`select 1 from sqlite_master where type = 'table' and name = 'kysely_migration'`.execute(db)
      : await sql`select 1 from information_schema.tables where table_schema = current_schema() and table_name = 'kysely_migration'`.execute(db);
  if (table.rows.length === 0) return [];
  const rows = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
  return rows.rows.map((r) => r.name);
}

/** Names of every migration the code knows, in order. */
export function knownMigrations(): string[] {
  return [...MIGRATION_NAMES].sort();
}
