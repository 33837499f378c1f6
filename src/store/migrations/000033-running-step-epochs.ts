import { sql, type Kysely } from 'kysely';

// Fencing for runbook steps: each take of a step in `running_steps` (a first press or a take-over
// from a process that is gone) carries a new epoch, drawn from the one-row counter
// `running_step_epoch`, which only grows. Every write a step's run makes checks, in its own
// transaction, that the row still has its runner and epoch, so a process that was paused past its
// heartbeat and lost the step cannot write when it wakes. Rows taken before this migration have
// epoch 0. Never edited once released: add a new numbered file instead.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('running_steps').addColumn('epoch', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema
    .createTable('running_step_epoch')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('epoch', 'bigint', (c) => c.notNull())
    .execute();
  await sql`insert into running_step_epoch (id, epoch) values (1, 0)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('running_step_epoch').execute();
  await db.schema.alterTable('running_steps').dropColumn('epoch').execute();
}
