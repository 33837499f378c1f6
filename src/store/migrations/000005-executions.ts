import type { Kysely } from 'kysely';

// Runbook executions, their transcripts, full outputs, per-service locks and recovery-test figures.
// Never edited once released: add a new numbered file instead.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('executions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('procedure', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('service', 'text')
    .addColumn('incident_id', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('started_by', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('plan', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('executions_incident').on('executions').columns(['incident_id', 'id']).execute();
  await db.schema.createIndex('executions_procedure').on('executions').columns(['procedure', 'id']).execute();

  await db.schema
    .createTable('execution_entries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('execution_id', 'text', (c) => c.notNull().references('executions.id'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('step', 'integer', (c) => c.notNull())
    .addColumn('command', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('duration_ms', 'bigint')
    .addColumn('target', 'text')
    .addColumn('effect', 'text')
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('exit_code', 'integer')
    .addColumn('approval', 'text')
    .addColumn('stdout', 'text', (c) => c.notNull())
    .addColumn('stderr', 'text', (c) => c.notNull())
    .addColumn('stdout_bytes', 'bigint', (c) => c.notNull())
    .addColumn('stderr_bytes', 'bigint', (c) => c.notNull())
    .addColumn('truncated', 'integer', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addUniqueConstraint('execution_entries_seq', ['execution_id', 'seq'])
    .execute();

  await db.schema
    .createTable('execution_outputs')
    .addColumn('entry_id', 'text', (c) => c.notNull().references('execution_entries.id'))
    .addColumn('stream', 'text', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('execution_outputs_pk', ['entry_id', 'stream'])
    .execute();

  await db.schema
    .createTable('execution_locks')
    .addColumn('service', 'text', (c) => c.primaryKey())
    .addColumn('execution_id', 'text', (c) => c.notNull())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('acquired_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('recovery_tests')
    .addColumn('execution_id', 'text', (c) => c.primaryKey())
    .addColumn('procedure', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('verified_at', 'bigint')
    .addColumn('achieved_rto_ms', 'bigint')
    .addColumn('target_rto_ms', 'bigint', (c) => c.notNull())
    .addColumn('target_rpo_ms', 'bigint', (c) => c.notNull())
    .addColumn('met', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('recovery_tests_procedure').on('recovery_tests').columns(['procedure', 'started_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['recovery_tests', 'execution_locks', 'execution_outputs', 'execution_entries', 'executions']) {
    await db.schema.dropTable(t).execute();
  }
}
