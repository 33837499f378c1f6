/**
 * The operations report over a week of real data in a SQLite store: a backup measured by a real
 * `file` check against its RPO, recovery tests against their RTO, incidents acknowledged in and
 * out of their severity's target, pages per person, maintenance time; rendered as JSON, Markdown
 * and HTML, the HTML in Chromium with a screenshot under test-results/.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../store/open.js';
import { upsertRecoveryTest, type Store } from '../../store/index.js';
import { SimulatedClock } from '../../lib/clock.js';
import { HistoryWriter, compileCheck, rollupAndRetain, runCheckOnce } from '../../checks/index.js';
import { opsConfigSchema } from '../../config/index.js';
import { IncidentService } from '../../incidents/index.js';
import { alert, ana } from '../../incidents/test-support.js';
import { chromiumPresent, launchChromium } from '../../../test/support/browser.js';
import { buildReport, renderReportHtml, renderReportMarkdown, type OperationsReport } from './index.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 5, 1); // Monday 1 June 2026
const NOW = T0 + 7 * DAY;
const REPO = path.resolve(import.meta.dirname, '../../..');

let dir: string;
let store: Store;
let report: OperationsReport;

function makeConfig(backups: string) {
  return opsConfigSchema.parse({
    checks: [
      { id: 'api', kind: 'tcp', host: '127.0.0.1', port: 1 },
      { id: 'db-backup', kind: 'file', path: path.join(backups, '*.sql.gz'), interval: '15m' },
    ],
    maintenance: [{ id: 'sunday-patching', cron: '0 2 * * 0', duration: '2h', services: ['api'] }],
    slos: [
      { id: 'api-availability', name: 'API availability', kind: 'availability', checks: ['api'], objective: '99.9%' },
      { id: 'db-rpo', name: 'Database RPO', kind: 'recovery_point', check: 'db-backup', target: '1h' },
    ],
  });
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-report-'));
  const backups = path.join(dir, 'backups');
  fs.mkdirSync(backups);
  const config = makeConfig(backups);
  store = await openStore({ url: path.join(dir, 'r.db') });
  await store.migrate();
  const clock = new SimulatedClock(T0);
  const writer = new HistoryWriter({ store, clock, maxBatch: 5000 });

  // API: a result a minute; down for 30 minutes on day 3.
  for (let at = T0; at < NOW; at += MIN) {
    const down = at >= T0 + 2 * DAY + 9 * HOUR && at < T0 + 2 * DAY + 9 * HOUR + 30 * MIN;
    writer.record({ checkId: 'api', kind: 'tcp', at, status: down ? 'down' : 'up', level: down ? 'critical' : 'ok', latencyMs: 20, conditions: [] });
  }
  // Backups every 30 minutes, except a 3-hour gap on day 5; the real file check runs every 15 min.
  const backup = compileCheck(config.checks[1]!);
  const file = path.join(backups, 'db.sql.gz');
  let lastBackup: number | undefined;
  for (let at = T0; at <= NOW - 15 * MIN; at += 15 * MIN) {
    const gap = at >= T0 + 4 * DAY + 10 * HOUR && at < T0 + 4 * DAY + 13 * HOUR;
    if (at % (30 * MIN) === 0 && !gap) {
      fs.writeFileSync(file, 'x');
      fs.utimesSync(file, at / 1000, at / 1000);
      lastBackup = at;
    }
    await clock.advanceTo(at);
    writer.record(await runCheckOnce(backup, { clock, at }));
  }
  expect(lastBackup).toBe(NOW - 30 * MIN);
  await writer.flush();
  await rollupAndRetain(store, NOW + 2 * MIN, { rawMs: 400 * DAY }); // the rollup job has closed every minute

  // Recovery tests: the executions domain's history rows.
  const restore = 'runbooks/db.md#restore-test';
  await upsertRecoveryTest(store.db, { execution_id: 'exe_1', procedure: restore, started_at: T0 + DAY, verified_at: T0 + DAY + 130 * MIN, achieved_rto_ms: 130 * MIN, target_rto_ms: 4 * HOUR, target_rpo_ms: 15 * MIN, met: 1 });
  await upsertRecoveryTest(store.db, { execution_id: 'exe_2', procedure: restore, started_at: T0 + 5 * DAY, verified_at: T0 + 5 * DAY + 5 * HOUR, achieved_rto_ms: 5 * HOUR, target_rto_ms: 4 * HOUR, target_rpo_ms: 15 * MIN, met: 0 });
  await upsertRecoveryTest(store.db, { execution_id: 'exe_0', procedure: restore, started_at: T0 - DAY, verified_at: null, achieved_rto_ms: null, target_rto_ms: 4 * HOUR, target_rpo_ms: 15 * MIN, met: 0 });

  // Incidents: P1 acknowledged in 10 min (target 15m), P1 in 25 min (missed), P3 never (missed).
  const iclock = new SimulatedClock(T0);
  const incidents = new IncidentService(store, iclock, { severities: config.severities, businessHours: config.business_hours, maintenance: config.maintenance, silences: config.silences });
  const open = async (at: number, rule: string, service: string, severity: string) => {
    await iclock.advanceTo(at);
    return (await incidents.onAlert(alert('firing', rule, { service }, at, { severity })))!.incident;
  };
  const a = await open(T0 + 2 * DAY + 9 * HOUR, 'check:api', 'api', 'P1');
  await iclock.advanceTo(a.openedAt + 10 * MIN);
  await incidents.acknowledge(a.id, ana);
  await incidents.addTimelineEntry(a.id, { kind: 'notification', actor: 'system:escalation', text: 'step 1: paged alice', data: { user: 'alice' } });
  await incidents.addTimelineEntry(a.id, { kind: 'notification', actor: 'system:escalation', text: 'step 1: paged alice', data: { user: 'alice' } });
  await iclock.advanceTo(a.openedAt + 50 * MIN);
  await incidents.resolve(a.id, ana);
  const b = await open(T0 + 3 * DAY, 'check:api', 'web', 'P1');
  await incidents.addTimelineEntry(b.id, { kind: 'notification', actor: 'system:escalation', text: 'step 1: paged bob', data: { user: 'bob' } });
  await incidents.addTimelineEntry(b.id, { kind: 'notification', actor: 'system:escalation', text: 'step 2: paged alice', data: { user: 'alice' } });
  await iclock.advanceTo(b.openedAt + 25 * MIN);
  await incidents.acknowledge(b.id, ana);
  await open(T0 + 4 * DAY, 'queue-depth', 'worker', 'P3');
  // Resolved by its alert 20 minutes later, nobody acknowledging: counts as unacknowledged.
  const d = await open(T0 + 4 * DAY + 2 * HOUR, 'disk-full', 'worker', 'P4');
  await iclock.advanceTo(d.openedAt + 20 * MIN);
  await incidents.onAlert(alert('resolved', 'disk-full', { service: 'worker' }, iclock.now(), { severity: 'P4' }));
  // A P2 resolved by its alert after 10 minutes, re-opened 20 minutes later, acknowledged 3 minutes
  // after the re-opening: its time to acknowledge is 3 minutes, not 33.
  const e = await open(T0 + 5 * DAY + 10 * HOUR, 'batch-late', 'batch', 'P2');
  await iclock.advanceTo(e.openedAt + 10 * MIN);
  await incidents.onAlert(alert('resolved', 'batch-late', { service: 'batch' }, iclock.now(), { severity: 'P2' }));
  expect((await open(e.openedAt + 30 * MIN, 'batch-late', 'batch', 'P2')).id).toBe(e.id);
  await iclock.advanceTo(e.openedAt + 33 * MIN);
  await incidents.acknowledge(e.id, ana);

  report = await buildReport(store, config, '7d', NOW);
});

afterAll(async () => {
  await store?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('operations report', () => {
  it('shows SLO attainment and the budget burning down over the period', () => {
    const [slo] = report.slos;
    expect(slo).toMatchObject({ id: 'api-availability', events: { good: 7 * 1440 - 30, total: 7 * 1440 }, met: false });
    expect(slo!.budget.remaining).toBeCloseTo(1 - 30 / (0.001 * 7 * 1440), 9);
    expect(slo!.burndown).toHaveLength(7 * 24 + 1); // hourly for a week
  });

  it('shows the achieved recovery point of a backup check against its target, day by day', () => {
    const [rpo] = report.recoveryPoints;
    // The last run (NOW − 15m) saw the backup of NOW − 30m: 15 min old then, 30 min old now.
    expect(rpo).toMatchObject({ id: 'db-rpo', check: 'db-backup', targetMs: HOUR, achievedMs: 30 * MIN, met: true });
    const days = rpo!.history.map((h) => h.met);
    expect(days).toEqual([true, true, true, true, false, true, true]);
    // The 3-hour gap: the check saw a backup 3h15m old before the next one landed.
    expect(rpo!.history[4]!.worstMs).toBe(3 * HOUR + 15 * MIN);
    expect(rpo!.history[0]!.worstMs).toBe(15 * MIN);
  });

  it('shows the achieved recovery time of recovery tests against their RTO target', () => {
    expect(report.recoveryTimes).toEqual([
      {
        procedure: 'runbooks/db.md#restore-test',
        targetRtoMs: 4 * HOUR,
        targetRpoMs: 15 * MIN,
        runs: 2,
        met: 1,
        latest: { executionId: 'exe_2', startedAt: T0 + 5 * DAY, achievedRtoMs: 5 * HOUR, met: false },
        history: [
          { startedAt: T0 + DAY, achievedRtoMs: 130 * MIN, met: true },
          { startedAt: T0 + 5 * DAY, achievedRtoMs: 5 * HOUR, met: false },
        ],
      },
    ]);
  });

  it('counts incidents by severity with response times against the targets, pages, rules, failures and maintenance', () => {
    const p1 = report.incidents.bySeverity.find((s) => s.severity === 'P1')!;
    expect(p1).toMatchObject({ responseTargetMs: 15 * MIN, incidents: 2, acknowledged: 2, acknowledgedInTarget: 1, missedTarget: 1, resolved: 1, ackP50Ms: 10 * MIN, ackP90Ms: 25 * MIN, resolveP50Ms: 50 * MIN });
    expect(report.incidents.bySeverity.find((s) => s.severity === 'P3')).toMatchObject({ incidents: 1, acknowledged: 0, missedTarget: 1 });
    expect(report.incidents.total).toBe(5);
    // Acknowledged 3 minutes after its re-opening: counted from there (its response clock), in time.
    expect(report.incidents.bySeverity.find((s) => s.severity === 'P2')).toMatchObject({ incidents: 1, acknowledged: 1, acknowledgedInTarget: 1, missedTarget: 0, ackP50Ms: 3 * MIN });
    // Alice was paged twice on Wednesday 09:10 and once on Thursday 00:00 (off hours), Bob on Thursday 00:00.
    expect(report.businessHours).toBe('Mon–Fri 09:00–17:00 UTC');
    expect(report.pagesPerPerson).toEqual([{ user: 'alice', pages: 3, incidents: 2, offHours: 1 }, { user: 'bob', pages: 1, incidents: 1, offHours: 1 }]);
    expect(report.noisiestRules[0]).toEqual({ ruleId: 'check:api', alerts: 2, incidents: 2 });
    expect(report.failingChecks.map((c) => [c.checkId, c.failures])).toEqual([['api', 30], ['db-backup', 0]].filter(([, f]) => (f as number) > 0));
    // One Sunday 02:00–04:00 in the week from Monday 1 June.
    expect(report.maintenance).toEqual({ totalMs: 2 * HOUR, windows: [{ id: 'sunday-patching', ms: 2 * HOUR, occurrences: 1, services: ['api'] }] });
  });

  it('gives MTTA and MTTR per service, counting only acknowledgements by people', () => {
    expect(report.incidents.byService).toEqual([
      { service: 'api', incidents: 1, acknowledged: 1, unacknowledged: 0, resolved: 1, mttaMs: 10 * MIN, mttrMs: 50 * MIN },
      { service: 'batch', incidents: 1, acknowledged: 1, unacknowledged: 0, resolved: 0, mttaMs: 3 * MIN, mttrMs: null },
      { service: 'web', incidents: 1, acknowledged: 1, unacknowledged: 0, resolved: 0, mttaMs: 25 * MIN, mttrMs: null },
      // The auto-resolved P4 has no acknowledgement: it adds to MTTR, never to MTTA.
      { service: 'worker', incidents: 2, acknowledged: 0, unacknowledged: 1, resolved: 1, mttaMs: null, mttrMs: 20 * MIN },
    ]);
    const p1 = report.incidents.bySeverity.find((s) => s.severity === 'P1')!;
    expect(p1).toMatchObject({ mttaMs: 17.5 * MIN, mttrMs: 50 * MIN });
  });

  it('renders Markdown tables', () => {
    const md = renderReportMarkdown(report);
    expect(md).toContain('# Operations report — 7d: 2026-06-01 to 2026-06-08 00:00Z');
    expect(md).toContain('| API availability | availability | 99.9% | 99.702% | 10080 |');
    expect(md).toContain('| Database RPO | db-backup | 1h | 30m | 3h15m | 6 / 7 | ✔ met |');
    expect(md).toContain('| runbooks/db.md#restore-test | 4h | 2 | 1 / 2 | 2026-06-06 00:00Z | 5h | ✖ missed |');
    expect(md).toContain('| alice | 3 | 1 | 2 |');
    expect(md).toContain('| worker | 2 | 0 | 1 | 1 | – | 20m |');
  });

  it('renders self-contained HTML that Chromium displays, budget chart included', async () => {
    const html = renderReportHtml(report);
    expect(html).not.toMatch(/<script|<link|src="http|href="http/);
    expect(html).not.toMatch(/<nav|href="\//); // a file to mail or archive: none of the UI's links
    // Opened from a mail on a phone as often as on a desk: laid out at the screen's width.
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain('aria-label="Mean time to acknowledge and to resolve, per service"');
    expect(html).toContain('aria-label="Pages per person, in and out of business hours"');
    if (!chromiumPresent('the Chromium render')) return;
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.setContent(html, { waitUntil: 'load' });
      expect(await page.locator('h1').textContent()).toContain('Operations report');
      const chart = page.locator('svg[role="img"]').first();
      expect(await chart.getAttribute('aria-label')).toMatch(/^API availability: -?\d+(\.\d)?% of the error budget left$/);
      const box = await chart.boundingBox();
      expect(box?.width).toBe(480);
      expect(await page.locator('tr.missed').count()).toBeGreaterThan(0);
      expect(requests.filter((u) => !u.startsWith('about:') && !u.startsWith('data:'))).toEqual([]);
      fs.mkdirSync(path.join(REPO, 'test-results'), { recursive: true });
      await page.screenshot({ path: path.join(REPO, 'test-results', 'report.png'), fullPage: true });
      expect(fs.statSync(path.join(REPO, 'test-results', 'report.png')).size).toBeGreaterThan(10_000);
    } finally {
      await browser.close();
    }
  });
});
