import { Kysely, Migrator, sql, type MigrationResult } from 'kysely';
import type { Database } from './database.js';
import { migrationProvider, MIGRATIONS } from './migrations/index.js';
import { OpsbookError } from '../lib/errors/index.js';

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
  /** Cheap round trip to prove the store answers. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export class KyselyStore implements Store {
  private closed = false;

  constructor(
    readonly dialect: StoreDialect,
    readonly db: Kysely<Database>,
    readonly location: string,
    private readonly onClose: () => Promise<void> = async () => {},
  ) {}

  private migrator(): Migrator {
    return new Migrator({ db: this.db, provider: migrationProvider });
  }

  async migrate(): Promise<MigrationReport> {
    const { error, results } = await this.migrator().migrateToLatest();
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
    const all = await this.migrator().getMigrations();
    return {
      applied: all.filter((m) => m.executedAt !== undefined).map((m) => m.name),
      pending: all.filter((m) => m.executedAt === undefined).map((m) => m.name),
    };
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.db.destroy();
    await this.onClose();
  }
}

/** Names of every migration the code knows, in order. */
export function knownMigrations(): string[] {
  return Object.keys(MIGRATIONS).sort();
}
