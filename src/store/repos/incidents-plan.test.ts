/**
 * The lookup every firing alert makes, the open incident of its dedup key, goes through the dedup
 * index on both stores (not through every open incident), with many open incidents in the table.
 */
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeOnStores } from '../../../test/support/store-targets.js';
import { findOpenIncidentByDedupKey, openIncidentByDedupKeyQuery, type IncidentAlertRow, type IncidentRow } from './incidents.js';
import { incidentRow, planOf } from './plan-test-support.js';

await describeOnStores('opsbook-dedup-plan', 'open incident by dedup key', { migrate: true }, (target) => {
  it('is found through incident_alerts_dedup with incidents probed by primary key', async () => {
    const db = target.store.db;
    // 4,000 incidents, two per dedup key: the older resolved, the newer open unless i is a multiple of 5.
    const N = 4000;
    const incidents: IncidentRow[] = [];
    const alerts: IncidentAlertRow[] = [];
    for (let i = 0; i < N; i++) {
      const state = i < N / 2 || i % 5 === 0 ? 'resolved' : 'triggered';
      const { id } = incidents[incidents.push(incidentRow(i, { state, resolved_at: state === 'resolved' ? i : null })) - 1]!;
      alerts.push({
        incident_id: id, dedup_key: `key-${i % (N / 2)}`, rule_id: 'r', state: 'firing', severity: 'sev2', labels: '{}', annotations: '{}',
        runbook: null, value: null, first_fired_at: i, last_fired_at: i, resolved_at: null,
      });
    }
    for (let i = 0; i < N; i += 500) {
      await db.insertInto('incidents').values(incidents.slice(i, i + 500)).execute();
      await db.insertInto('incident_alerts').values(alerts.slice(i, i + 500)).execute();
    }
    if (target.name === 'postgres') await sql`ANALYZE incidents, incident_alerts`.execute(db);
    // key-3 fired in inc_00003 (resolved) and inc_02003 (open); key-0 only in resolved ones.
    expect((await findOpenIncidentByDedupKey(db, 'key-3'))?.id).toBe('inc_02003');
    expect(await findOpenIncidentByDedupKey(db, 'key-0')).toBeUndefined();
    expect(await findOpenIncidentByDedupKey(db, 'never-fired')).toBeUndefined();

    const query = openIncidentByDedupKeyQuery(db, 'key-3');
    // The limit is written into the SQL: SQLite plans an ORDER BY with a bound LIMIT as if it were any number.
    expect(query.compile().sql).toMatch(/ limit 1$/);
    const plan = await planOf(target, query);
    if (target.name === 'sqlite') {
      // The outer loop is the dedup index; no step walks incidents by state alone, none sorts.
      expect(plan.split('\n')[0]).toMatch(/SEARCH incident_alerts USING (COVERING )?INDEX incident_alerts_dedup \(dedup_key=\?\)/);
      expect(plan).toMatch(/SEARCH incidents USING INDEX \S+ \((state=\? AND )?id=\?\)/);
      expect(plan).not.toMatch(/TEMP B-TREE|SCAN incidents/);
    } else {
      // The dedup index (plain or bitmap scan) finds the key's few rows; incidents by primary key; nothing scanned whole.
      expect(plan).toMatch(/Index Scan( Backward)? (using|on) incident_alerts_dedup/);
      expect(plan).toMatch(/Index Scan using incidents_pkey on incidents/);
      expect(plan).not.toMatch(/Seq Scan|incidents_state_id/);
    }
  });
});
