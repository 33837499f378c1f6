import type { Kysely } from 'kysely';

// When an incident's response clock started, where that is not its opening: a page held back by a
// maintenance window or silence starts it when the page goes out, a re-opening when it re-opens. A
// later severity change counts the new target from there (it counted from the opening, so a target
// moved back into the window and read as missed at once). Null: the clock started at the opening.
// Never edited once released: add a new numbered file instead.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('incidents')
    /** Epoch ms the response clock started when not at `opened_at`; null otherwise. */
    .addColumn('response_from', 'bigint')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('incidents').dropColumn('response_from').execute();
}
