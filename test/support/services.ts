/**
 * Real PostgreSQL and Redis for tests. Where a service is missing the tests that need it skip with a
 * one-line reason, except under OPSBOOK_REQUIRE_SERVICES=1 (set by .ci/run), where they fail.
 */
import { randomBytes } from 'node:crypto';
import { createScratchDatabase, type ScratchDatabase } from '../../src/store/index.js';
import { portOpen } from './stall.js';

export const PG_ADMIN_URL = process.env.OPSBOOK_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.OPSBOOK_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const required = process.env.OPSBOOK_REQUIRE_SERVICES === '1';


export async function availability(name: string, url: string, defaultPort: number): Promise<{ ok: boolean; reason: string }> {
  const u = new URL(url);
  const ok = await portOpen(u.hostname, Number(u.port || defaultPort));
  const reason = `${name} not reachable at ${u.host}`;
  if (!ok && required) throw new Error(`${reason} and OPSBOOK_REQUIRE_SERVICES=1`);
  if (!ok) console.warn(`skipping: ${reason}`);
  return { ok, reason };
}

/** Whether the shared PostgreSQL is up; use with `describe.skipIf(!pgUp)`. */
export async function postgresUp(): Promise<boolean> {
  return (await availability('PostgreSQL', PG_ADMIN_URL, 5432)).ok;
}

export async function redisUp(): Promise<boolean> {
  return (await availability('Redis', REDIS_URL, 6379)).ok;
}

/** A fresh database for one test file; `drop()` removes it. Each run gets its own name. */
export function createTestDatabase(prefix = 'opsbook_t'): Promise<ScratchDatabase> {
  return createScratchDatabase(PG_ADMIN_URL, `${prefix}_${randomBytes(6).toString('hex')}`);
}

/** A key prefix private to one test, so tests never touch each other's Redis keys. */
export function redisTestPrefix(name: string): string {
  return `opsbook-test:${name}:${randomBytes(4).toString('hex')}:`;
}
