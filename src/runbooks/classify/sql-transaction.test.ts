/**
 * Transaction control in a runbook's SQL: a read step runs in a read-only transaction on a read-only
 * session (src/executions/executors/sql), so only a transaction opened READ WRITE could let a
 * misclassified statement write — such a step is not a read.
 */
import { loadModule } from 'libpg-query';
import { describe, expect, it } from 'vitest';
import { sqlVerdict } from './sql.js';

await loadModule();

describe('transaction control in SQL steps', () => {
  it.each(['BEGIN READ WRITE;\nSELECT 1;', 'START TRANSACTION READ WRITE;\nSELECT 1;', 'BEGIN ISOLATION LEVEL SERIALIZABLE, READ WRITE; SELECT 1'])('%j is a write', (text) => {
    const v = sqlVerdict(text);
    expect(v.effect).toBe('write');
    expect(v.reasons.join(' | ')).toContain('READ WRITE opens a transaction that can write');
  });

  it.each(['BEGIN;\nSELECT count(*) FROM pg_stat_activity;\nCOMMIT;', 'BEGIN READ ONLY; SELECT 1; ROLLBACK;', 'START TRANSACTION ISOLATION LEVEL REPEATABLE READ; SELECT 1; COMMIT'])('%j stays a read', (text) => {
    expect(sqlVerdict(text).effect).toBe('read');
  });
});
