import type { Kysely } from 'kysely';

// The audit log is never pruned, only archived: each archive moves a prefix of the chain to a file
// and leaves here the anchor the rest of the chain continues from (the last archived entry's
// sequence number and hash), so the store's part verifies alone and archive + store verify whole.
// Never edited once released: add a new numbered file instead.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('audit_archives')
    .addColumn('to_seq', 'bigint', (c) => c.primaryKey())
    .addColumn('from_seq', 'bigint', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('file', 'text', (c) => c.notNull())
    .addColumn('archived_at', 'bigint', (c) => c.notNull())
    .addColumn('archived_by', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('audit_archives').execute();
}
