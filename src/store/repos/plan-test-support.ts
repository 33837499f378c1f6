/**
 * For the plan tests of the store's hot reads: the plan a store makes for a query, and incident rows
 * to fill its tables with. Test support only.
 */
import { CompiledQuery, type Compilable } from 'kysely';
import type { OpenTarget } from '../../../test/support/store-targets.js';
import type { IncidentRow } from './incidents.js';

/** The store's plan for `query` (SQLite's EXPLAIN QUERY PLAN, PostgreSQL's EXPLAIN), one step a line. */
export async function planOf(target: OpenTarget, query: Compilable): Promise<string> {
  const compiled = query.compile();
  const explain = target.name === 'sqlite' ? 'EXPLAIN QUERY PLAN ' : 'EXPLAIN ';
  const rows = (await target.store.db.executeQuery(CompiledQuery.raw(explain + compiled.sql, [...compiled.parameters]))).rows as Record<string, unknown>[];
  return rows.map((r) => String(r.detail ?? r['QUERY PLAN'])).join('\n');
}

/** Incident `inc_0000i`, opened at `i` (resolved at `i + 10` unless it is open), with what `row` changes. */
export function incidentRow(i: number, row: Partial<IncidentRow> = {}): IncidentRow {
  const state = row.state ?? 'resolved';
  return {
    id: `inc_${String(i).padStart(5, '0')}`, title: `t${i}`, state, severity: 'sev2', service: null, source: 'alert', opened_at: i, updated_at: i,
    acknowledged_at: null, resolved_at: state === 'resolved' ? i + 10 : null, response_due_at: null, response_from: null, labels: '{}', runbook: null,
    created_by: 'alerts', reopened: 0, held_notification: null,
    ...row,
  };
}
