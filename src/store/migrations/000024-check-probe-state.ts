import type { Kysely } from 'kysely';

/**
 * Each check's settled probe state (status and level after `failure_threshold` /
 * `success_threshold`), written when it changes: a restart, or the process that takes a check over
 * in a cluster, starts from it instead of from `unknown`, so a check settled down stays down and
 * its incident stays open. Null status: never settled.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('check_keys').addColumn('settled_status', 'integer').execute();
  await db.schema.alterTable('check_keys').addColumn('settled_level', 'integer').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('check_keys').dropColumn('settled_level').execute();
  await db.schema.alterTable('check_keys').dropColumn('settled_status').execute();
}
