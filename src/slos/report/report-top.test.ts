/**
 * The report's ranked tables (noisiest rules, checks with the most failures) list the top 10 and say
 * how many there were, on SQLite and PostgreSQL, with 12 of each in the period.
 */
import { expect, it } from 'vitest';
import { opsConfigSchema } from '../../config/index.js';
import { insertResults, type IncidentAlertRow, type IncidentRow, type StoredResult } from '../../store/index.js';
import { describeOnStores } from '../../../test/support/store-targets.js';
import { buildReport, renderReportMarkdown, renderReportSections } from './index.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 5, 1);
const NOW = T0 + 7 * DAY;
const MANY = 12;

await describeOnStores('opsbook-report-top', 'the report’s ranked tables', { migrate: true }, (target) => {
  it('list the top 10 and say how many rules alerted and how many checks failed', async () => {
    const db = target.store.db;
    const checks = Array.from({ length: MANY }, (_, i) => ({ id: `check-${String(i).padStart(2, '0')}`, kind: 'tcp', host: '127.0.0.1', port: 1 }));
    const config = opsConfigSchema.parse({ checks });
    // Check i failed i + 1 times, a minute apart, on the second day.
    const results: StoredResult[] = checks.flatMap((c, i) =>
      Array.from({ length: i + 1 }, (_, k) => ({ checkId: c.id, at: T0 + DAY + k * 60_000, down: true, level: 2, latencyMs: 0, value: null, error: 'refused' }) as StoredResult),
    );
    await insertResults(db, results, T0 + DAY);
    // Rule i alerted i + 1 times, each alert its own incident.
    const incidents: IncidentRow[] = [];
    const alerts: IncidentAlertRow[] = [];
    for (let i = 0; i < MANY; i++) {
      for (let k = 0; k <= i; k++) {
        const at = T0 + 2 * DAY + i * 3_600_000 + k * 60_000;
        const id = `inc_${String(i).padStart(2, '0')}_${String(k).padStart(2, '0')}`;
        incidents.push({ id, title: id, state: 'resolved', severity: 'P3', service: null, source: 'alert', opened_at: at, updated_at: at + 1, acknowledged_at: null, resolved_at: at + 1, response_due_at: null, response_from: null, labels: '{}', runbook: null, created_by: 'system:alerts', reopened: 0, held_notification: null });
        alerts.push({ incident_id: id, dedup_key: id, rule_id: `rule-${String(i).padStart(2, '0')}`, state: 'resolved', severity: 'P3', labels: '{}', annotations: '{}', runbook: null, value: null, first_fired_at: at, last_fired_at: at, resolved_at: at + 1 });
      }
    }
    await db.insertInto('incidents').values(incidents).execute();
    await db.insertInto('incident_alerts').values(alerts).execute();

    const report = await buildReport(target.store, config, '7d', NOW);
    expect(report.noisiestRules.map((r) => r.ruleId)).toEqual(Array.from({ length: 10 }, (_, i) => `rule-${String(MANY - 1 - i).padStart(2, '0')}`));
    expect(report.rulesAlerting).toBe(MANY);
    expect(report.failingChecks.map((c) => c.checkId)).toEqual(Array.from({ length: 10 }, (_, i) => `check-${String(MANY - 1 - i).padStart(2, '0')}`));
    expect(report.checksFailing).toBe(MANY);
    const markdown = renderReportMarkdown(report);
    expect(markdown).toContain('## Noisiest rules\n\nThe 10 with the most alerts of the 12 rules that alerted in the period.');
    expect(markdown).toContain('The 10 with the most failures of the 12 checks that failed in the period.');
    expect(renderReportSections(report)).toContain('<p class="note">The 10 with the most alerts of the 12 rules that alerted in the period.</p>');
  });
});
