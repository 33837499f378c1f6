/**
 * Vitest's global setup: opsbook's store migrated once on the shared PostgreSQL, for the tests whose
 * database would be migrated first thing (by a daemon's start or their own `migrate()`). Each such
 * test database is a copy of it (CREATE DATABASE … TEMPLATE, see createMigratedTestDatabase) instead
 * of an empty database that runs every migration's DDL again: about a second of the server's time
 * per database. Nothing connects to the template once it is made; it is dropped after the run.
 * Without PostgreSQL nothing is made, and the tests that need it skip as before.
 */
import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { createMigratedDatabase } from '../../src/store/index.js';
import { PG_ADMIN_URL } from './services.js';
import { portOpen } from './stall.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The migrated store database test databases are copied from; empty when PostgreSQL was down. */
    pgStoreTemplate: string;
  }
}

export default async function pgStoreTemplate(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  project.provide('pgStoreTemplate', '');
  const admin = new URL(PG_ADMIN_URL);
  if (!(await portOpen(admin.hostname, Number(admin.port || 5432)))) return undefined;
  const template = await createMigratedDatabase(PG_ADMIN_URL, `opsbook_t_template_${randomBytes(6).toString('hex')}`);
  project.provide('pgStoreTemplate', template.name);
  return () => template.drop();
}
