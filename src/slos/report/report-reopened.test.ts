/**
 * The report's time to resolve (MTTR, resolve p50/p90) counts from where each incident's response
 * clock started, as its time to acknowledge does: a re-opened incident's is the time from its
 * re-opening, not the hours it spent resolved in between. Incidents made by the incident engine on a
 * simulated clock, on SQLite and PostgreSQL.
 */
import { expect, it } from 'vitest';
import { opsConfigSchema } from '../../config/index.js';
import { SimulatedClock } from '../../lib/clock.js';
import { IncidentService } from '../../incidents/index.js';
import { alert, ana } from '../../incidents/test-support.js';
import { describeOnStores } from '../../../test/support/store-targets.js';
import { buildReport } from './index.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 5, 1, 10); // Monday 1 June 2026, 10:00
const NOW = Date.UTC(2026, 5, 8);

await describeOnStores('opsbook-report-reopened', 'the report’s time to resolve', { migrate: true }, (target) => {
  it('counts a re-opened incident from its re-opening', async () => {
    const config = opsConfigSchema.parse({});
    const clock = new SimulatedClock(T0);
    const incidents = new IncidentService(target.store, clock, { severities: config.severities });
    const labels = { service: 'api' };
    // Opened 10:00, resolved by a person 10:20; its alert fires again 50 minutes later (within
    // reopen_within, 1h): re-opened 11:10, acknowledged 11:12, resolved 11:20.
    const { id } = (await incidents.onAlert(alert('firing', 'rule:down', labels, T0)))!.incident;
    await clock.advance(20 * MIN);
    await incidents.resolve(id, ana);
    await clock.advance(50 * MIN);
    const again = (await incidents.onAlert(alert('firing', 'rule:down', labels, clock.now())))!.incident;
    expect(again).toMatchObject({ id, reopened: 1, state: 'triggered' });
    await clock.advance(2 * MIN);
    await incidents.acknowledge(id, ana);
    await clock.advance(8 * MIN);
    await incidents.resolve(id, ana);

    const report = await buildReport(target.store, config, '7d', NOW);
    expect(report.incidents.bySeverity.find((s) => s.severity === 'P1')).toMatchObject({ incidents: 1, resolved: 1, mttaMs: 2 * MIN, mttrMs: 10 * MIN, resolveP50Ms: 10 * MIN });
    expect(report.incidents.byService).toEqual([expect.objectContaining({ service: 'api', mttaMs: 2 * MIN, mttrMs: 10 * MIN })]);
  });
});
