/**
 * The incidents of a check's rules (the UI's check timeline, `listIncidentsOfRules`) are found
 * through incident_alerts_rule on both stores, not by reading every incident's alerts, with many
 * alerts of many rules in the table.
 */
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeOnStores } from '../../../test/support/store-targets.js';
import { countIncidentsOfRules, incidentsOfRulesQuery, listIncidentsOfRules, type IncidentAlertRow, type IncidentRow } from './incidents.js';
import { incidentRow, planOf } from './plan-test-support.js';

await describeOnStores('opsbook-rules-plan', 'incidents of a check\'s rules', { migrate: true }, (target) => {
  it('are found through incident_alerts_rule', async () => {
    const db = target.store.db;
    // 4,000 incidents, each with one alert of one of 400 rules (10 incidents a rule).
    const N = 4000;
    const incidents: IncidentRow[] = [];
    const alerts: IncidentAlertRow[] = [];
    for (let i = 0; i < N; i++) {
      const { id } = incidents[incidents.push(incidentRow(i)) - 1]!;
      alerts.push({
        incident_id: id, dedup_key: `key-${i}`, rule_id: `rule-${i % 400}`, state: 'resolved', severity: 'sev2', labels: '{}', annotations: '{}',
        runbook: null, value: null, first_fired_at: i, last_fired_at: i, resolved_at: i + 10,
      });
    }
    for (let i = 0; i < N; i += 500) {
      await db.insertInto('incidents').values(incidents.slice(i, i + 500)).execute();
      await db.insertInto('incident_alerts').values(alerts.slice(i, i + 500)).execute();
    }
    if (target.name === 'postgres') await sql`ANALYZE incidents, incident_alerts`.execute(db);
    expect((await listIncidentsOfRules(db, ['rule-7', 'rule-8'], 0, 1200, 200)).map((r) => r.id)).toEqual(['inc_00808', 'inc_00807', 'inc_00408', 'inc_00407', 'inc_00008', 'inc_00007']);
    // What a list cut at 2 left out is counted with the same conditions.
    expect((await listIncidentsOfRules(db, ['rule-7', 'rule-8'], 0, 1200, 2)).map((r) => r.id)).toEqual(['inc_00808', 'inc_00807']);
    expect(await countIncidentsOfRules(db, ['rule-7', 'rule-8'], 0, 1200)).toBe(6);
    expect(await countIncidentsOfRules(db, [], 0, 1200)).toBe(0);

    const plan = await planOf(target, incidentsOfRulesQuery(db, ['rule-7', 'rule-8'], 0, 1200, 200));
    if (target.name === 'sqlite') {
      // The rules' alerts through the index, not a scan of every alert.
      expect(plan).toMatch(/SEARCH incident_alerts USING (COVERING )?INDEX incident_alerts_rule \(rule_id=\?\)/);
      expect(plan).not.toMatch(/SCAN incident_alerts/);
    } else {
      expect(plan).toMatch(/(Index|Index Only|Bitmap Index) Scan (using|on) incident_alerts_rule/);
      expect(plan).not.toMatch(/Seq Scan on incident_alerts/);
    }
  });
});
