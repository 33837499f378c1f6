import type { Kysely } from 'kysely';

// On-call changes made at runtime: overrides and swaps people make through the API, CLI and UI
// (config-defined overrides stay in ops.yaml), per-feed calendar URLs that can be revoked one by
// one, and the shift reminders already sent (so a restart never sends one twice).
// Never edited once released: add a new numbered file instead.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('oncall_overrides')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('schedule_id', 'text', (c) => c.notNull())
    .addColumn('user_name', 'text', (c) => c.notNull())
    .addColumn('covers', 'text')
    .addColumn('starts_at', 'bigint', (c) => c.notNull())
    .addColumn('ends_at', 'bigint', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('swap_id', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('oncall_overrides_schedule').on('oncall_overrides').columns(['schedule_id', 'ends_at']).execute();
  await db.schema
    .createTable('calendar_feeds')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .addColumn('revoked_by', 'text')
    .execute();
  await db.schema.createIndex('calendar_feeds_subject').on('calendar_feeds').columns(['kind', 'subject']).execute();
  await db.schema
    .createTable('shift_reminders')
    .addColumn('schedule_id', 'text', (c) => c.notNull())
    .addColumn('user_name', 'text', (c) => c.notNull())
    .addColumn('shift_start', 'bigint', (c) => c.notNull())
    .addColumn('sent_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('shift_reminders_pk', ['schedule_id', 'user_name', 'shift_start'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('shift_reminders').execute();
  await db.schema.dropTable('calendar_feeds').execute();
  await db.schema.dropTable('oncall_overrides').execute();
}
