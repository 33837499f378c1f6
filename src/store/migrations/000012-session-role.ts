import type { Kysely } from 'kysely';

// Sessions from single sign-on carry the role their groups gave at sign-in (a person need not be
// in users:); password sessions leave it null and take the role from the config.
// Never edited once released: add a new numbered file instead.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('ui_sessions').addColumn('role', 'text').execute();
  await db.schema.alterTable('ui_sessions').addColumn('via', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('ui_sessions').dropColumn('via').execute();
  await db.schema.alterTable('ui_sessions').dropColumn('role').execute();
}
