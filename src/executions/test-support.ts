import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { opsConfigSchema, type OpsConfig, type OpsConfigInput } from '../config/index.js';
import type { Actor } from '../identity/index.js';
import { SimulatedClock, SystemClock, type Clock } from '../lib/clock.js';
import { parseRunbook, readRunbook, type Runbook } from '../runbooks/index.js';
import { openStore, type Store } from '../store/index.js';
import type { ExecutionLogger } from './audit.js';
import { ExecutionService } from './service.js';
import { placeMigratedSqlite } from '../../test/support/migrated-database.js';

/** The seed runbooks, as copied for tests. */
export const SEEDS = resolve(import.meta.dirname, '../../test/fixtures/runbooks/seeds');

export function seed(prefix: string): string {
  const names: Record<string, string> = {
    '000': '000_a7f4e4757f99016a.txt',
    '001': '001_1bdb4e6a7873c235.txt',
    '002': '002_2df39a6cbf760328.txt',
    '003': '003_5c42631f60849fc3.txt',
    '004': '004_c5697c093fa1bf1e.txt',
  };
  return join(SEEDS, names[prefix]!);
}

export const responder: Actor = { name: 'ana', role: 'responder', via: 'cli' };
export const viewer: Actor = { name: 'vic', role: 'viewer', via: 'cli' };

export interface Harness {
  service: ExecutionService;
  store: Store;
  clock: Clock;
  config: OpsConfig;
  dir: string;
  logs: { obj: Record<string, unknown>; msg: string }[];
  cleanup: () => Promise<void>;
}

/**
 * An execution service over a fresh SQLite store in a temp directory. Runbooks are given as
 * `{ file, path }` (a fixture read from disk) or `{ file, text }` (written by the test).
 */
export async function harness(options: {
  config: OpsConfigInput;
  runbooks: ({ file: string; path: string } | { file: string; text: string })[];
  clock?: Clock | 'system';
  env?: Record<string, string | undefined>;
  /** A postgres:// URL to run on PostgreSQL instead of a SQLite file. */
  storeUrl?: string;
}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'opsbook-exec-'));
  if (!options.storeUrl) placeMigratedSqlite(join(dir, 'opsbook.db'));
  const store = await openStore({ url: options.storeUrl ?? join(dir, 'opsbook.db') });
  await store.migrate();
  const config = opsConfigSchema.parse(options.config);
  const runbooks: Runbook[] = [];
  for (const r of options.runbooks) runbooks.push('path' in r ? await readRunbook(r.path, { file: r.file }) : parseRunbook(r.text, { file: r.file }));
  const clock = options.clock === 'system' ? new SystemClock() : (options.clock ?? new SimulatedClock('2026-03-02T09:00:00Z'));
  const logs: Harness['logs'] = [];
  const logger: ExecutionLogger = { info: (obj, msg) => logs.push({ obj, msg }) };
  const service = new ExecutionService({ store, clock, config, baseDir: dir, runbooks, logger, env: options.env ?? {} });
  return {
    service,
    store,
    clock,
    config,
    dir,
    logs,
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
