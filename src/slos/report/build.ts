import type { OpsConfig } from '../../config/index.js';
import { hasThresholds, windowStatsOf } from '../../checks/index.js';
import { alertCountsByRule, countAlertingRules, listIncidentsOpenedBetween, pageTimelineRows, type Store } from '../../store/index.js';
import { DEFAULT_BUSINESS_HOURS, isBusinessTime } from '../../incidents/index.js';
import { slosFromConfig } from '../model.js';
import { recoveryPointStatus, recoveryTimeStatus, type RecoveryPointStatus, type RecoveryTimeStatus } from '../recovery.js';
import { attainment, type SliReads } from '../sli.js';
import { budgetBurndown, errorBudget, sloStatus, type BudgetPoint, type ErrorBudget, type SloStatus } from '../status.js';
import type { EventCounts } from '../types.js';
import { periodBounds, type ReportPeriod } from '../windows.js';
import { maintenanceTime } from './maintenance-time.js';

/** How many rules and checks the report's ranked tables list. */
export const REPORT_TOP = 10;

export interface ReportSlo {
  id: string;
  name: string;
  kind: string;
  objective: number;
  /** Over the report period. */
  events: EventCounts;
  attainment: number | undefined;
  met: boolean | undefined;
  budget: ErrorBudget;
  burndown: BudgetPoint[];
  /** Over the SLO's own window, ending now. */
  current: SloStatus;
}

export interface SeverityFigures {
  severity: string;
  name: string;
  /** The severity's response target in ms, when it is a duration. */
  responseTargetMs: number | null;
  incidents: number;
  acknowledged: number;
  /** Acknowledged by the response due time. */
  acknowledgedInTarget: number;
  /** Past its response due time without acknowledgement (or acknowledged late). */
  missedTarget: number;
  resolved: number;
  ackP50Ms: number | null;
  ackP90Ms: number | null;
  resolveP50Ms: number | null;
  resolveP90Ms: number | null;
  mttaMs: number | null;
  mttrMs: number | null;
}

/** Mean time to acknowledge and to resolve for one service; only acknowledgements by people count. */
export interface ServiceFigures {
  service: string;
  incidents: number;
  /** Acknowledged by a person (opsbook's own actions never acknowledge). */
  acknowledged: number;
  /** Resolved without anyone acknowledging (by itself, or by opsbook). */
  unacknowledged: number;
  resolved: number;
  mttaMs: number | null;
  mttrMs: number | null;
}

export interface FailingCheck {
  checkId: string;
  /** Down runs, plus the critical runs that were up of a check judged by thresholds. */
  failures: number;
  down: number;
  /** Runs that were up at the critical level (counted as failures only when `thresholds`). */
  critical: number;
  results: number;
  uptime: number | null;
  withinThresholds: number | null;
  /** Whether the check is judged by warning/critical thresholds. */
  thresholds: boolean;
}

export interface OperationsReport {
  period: { name: ReportPeriod; from: number; to: number };
  generatedAt: number;
  slos: ReportSlo[];
  incidents: { total: number; bySeverity: SeverityFigures[]; byService: ServiceFigures[] };
  /** The REPORT_TOP rules with the most alerts, most first. */
  noisiestRules: { ruleId: string; alerts: number; incidents: number }[];
  /** How many rules alerted in the period (`noisiestRules` lists at most REPORT_TOP of them). */
  rulesAlerting: number;
  /**
   * The REPORT_TOP checks with the most failures, most first. A failure is a down run, or for a check
   * judged by thresholds a critical one too (as its check page counts against "Within thresholds").
   */
  failingChecks: FailingCheck[];
  /** How many checks failed in the period (`failingChecks` lists at most REPORT_TOP of them). */
  checksFailing: number;
  /** `offHours`: pages outside `businessHours` (the `default` calendar, else the first, else Mon–Fri 09–17 UTC). */
  pagesPerPerson: { user: string; pages: number; incidents: number; offHours: number }[];
  businessHours: string;
  maintenance: { totalMs: number; windows: { id: string; ms: number; occurrences: number; services: string[] }[] };
  recoveryPoints: RecoveryPointStatus[];
  recoveryTimes: RecoveryTimeStatus[];
}

function mean(values: number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, v) => a + v, 0) / values.length;
}

function quantile(values: number[], q: number): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil(q * s.length) - 1)]!;
}

/** Everything `opsbook report` shows for a period ending at `now`, from the store and the config. */
export async function buildReport(store: Store, config: OpsConfig, period: ReportPeriod, now: number): Promise<OperationsReport> {
  const { from, to } = periodBounds(period, now);
  const { slos, recoveryPoints } = slosFromConfig(config);

  const reportSlos: ReportSlo[] = [];
  // Rollup marks and check keys read once for every SLO of the report.
  const reads: SliReads = {};
  for (const slo of slos) {
    const { points, events } = await budgetBurndown(store, slo, from, to, reads);
    const a = attainment(events);
    reportSlos.push({ id: slo.id, name: slo.name, kind: slo.kind, objective: slo.objective, events, attainment: a, met: a === undefined ? undefined : a >= slo.objective, budget: errorBudget(events, slo.objective), burndown: points, current: await sloStatus(store, slo, now, reads) });
  }

  const incidents = await listIncidentsOpenedBetween(store.db, from, to - 1);
  // From where the response clock started (a held page's release, a re-opening: see responseClockStart),
  // both of them, as the review counts: a re-opened incident's time to resolve is not the hours it
  // spent resolved in between.
  const clockStart = (i: (typeof incidents)[number]) => Number(i.response_from ?? i.opened_at);
  const timeToAcknowledge = (i: (typeof incidents)[number]) => Number(i.acknowledged_at) - clockStart(i);
  const timeToResolve = (i: (typeof incidents)[number]) => Number(i.resolved_at) - clockStart(i);
  const bySeverity: SeverityFigures[] = [];
  for (const sev of config.severities) {
    const rows = incidents.filter((i) => i.severity === sev.id);
    const ack = rows.filter((i) => i.acknowledged_at !== null).map(timeToAcknowledge);
    const res = rows.filter((i) => i.resolved_at !== null).map(timeToResolve);
    const inTarget = rows.filter((i) => i.acknowledged_at !== null && (i.response_due_at === null || Number(i.acknowledged_at) <= Number(i.response_due_at))).length;
    // Unacknowledged, an incident missed its target only if it was still open when the target passed
    // (one that resolved by itself earlier needed nobody).
    const missed = rows.filter(
      (i) => i.response_due_at !== null && (i.acknowledged_at === null ? Number(i.response_due_at) < Number(i.resolved_at ?? now) : Number(i.acknowledged_at) > Number(i.response_due_at)),
    ).length;
    bySeverity.push({
      severity: sev.id,
      name: sev.name,
      responseTargetMs: sev.response.kind === 'duration' ? sev.response.ms : null,
      incidents: rows.length,
      acknowledged: ack.length,
      acknowledgedInTarget: inTarget,
      missedTarget: missed,
      resolved: res.length,
      ackP50Ms: quantile(ack, 0.5),
      ackP90Ms: quantile(ack, 0.9),
      resolveP50Ms: quantile(res, 0.5),
      resolveP90Ms: quantile(res, 0.9),
      mttaMs: mean(ack),
      mttrMs: mean(res),
    });
  }
  const byService: ServiceFigures[] = [];
  for (const service of [...new Set(incidents.map((i) => i.service ?? '(none)'))].sort()) {
    const rows = incidents.filter((i) => (i.service ?? '(none)') === service);
    const ack = rows.filter((i) => i.acknowledged_at !== null).map(timeToAcknowledge);
    const res = rows.filter((i) => i.resolved_at !== null).map(timeToResolve);
    byService.push({
      service,
      incidents: rows.length,
      acknowledged: ack.length,
      unacknowledged: rows.filter((i) => i.resolved_at !== null && i.acknowledged_at === null).length,
      resolved: res.length,
      mttaMs: mean(ack),
      mttrMs: mean(res),
    });
  }

  const failingChecks: OperationsReport['failingChecks'] = [];
  const checkStats = await windowStatsOf(store, config.checks.map((c) => ({ checkId: c.id, from, to })), []);
  for (const [i, check] of config.checks.entries()) {
    const s = checkStats[i]!;
    const thresholds = hasThresholds(check);
    // A down run is stored at the critical level too: the critical runs that were up are the rest.
    const critical = Math.max(0, s.criticals - s.failures);
    const failures = s.failures + (thresholds ? critical : 0);
    if (failures > 0) failingChecks.push({ checkId: check.id, failures, down: s.failures, critical, results: s.count, uptime: s.uptime ?? null, withinThresholds: s.withinThresholds ?? null, thresholds });
  }
  failingChecks.sort((a, b) => b.failures - a.failures || a.checkId.localeCompare(b.checkId));

  const calendar = config.business_hours.find((b) => b.id === 'default') ?? config.business_hours[0] ?? DEFAULT_BUSINESS_HOURS;
  const pages = new Map<string, { pages: number; incidents: Set<string>; offHours: number }>();
  for (const row of await pageTimelineRows(store.db, from, to)) {
    const user = (JSON.parse(row.data) as { user?: unknown }).user;
    if (typeof user !== 'string') continue;
    const p = pages.get(user) ?? { pages: 0, incidents: new Set<string>(), offHours: 0 };
    p.pages++;
    if (!isBusinessTime(Number(row.at), calendar)) p.offHours++;
    p.incidents.add(row.incidentId);
    pages.set(user, p);
  }

  const noisiestRules = await alertCountsByRule(store.db, from, to, REPORT_TOP);
  const windows = maintenanceTime(config.maintenance, from, to).filter((w) => w.ms > 0);
  const recoveryPointsStatus: RecoveryPointStatus[] = [];
  for (const rpo of recoveryPoints) recoveryPointsStatus.push(await recoveryPointStatus(store, rpo, now, from));

  return {
    period: { name: period, from, to },
    generatedAt: now,
    slos: reportSlos,
    incidents: { total: incidents.length, bySeverity, byService },
    noisiestRules,
    rulesAlerting: noisiestRules.length < REPORT_TOP ? noisiestRules.length : await countAlertingRules(store.db, from, to),
    failingChecks: failingChecks.slice(0, REPORT_TOP),
    checksFailing: failingChecks.length,
    businessHours: calendar === DEFAULT_BUSINESS_HOURS && !config.business_hours.some((b) => b.id === 'default') ? 'Mon–Fri 09:00–17:00 UTC' : calendar.id,
    pagesPerPerson: [...pages].map(([user, p]) => ({ user, pages: p.pages, incidents: p.incidents.size, offHours: p.offHours })).sort((a, b) => b.pages - a.pages || a.user.localeCompare(b.user)),
    maintenance: { totalMs: windows.reduce((a, w) => a + w.ms, 0), windows },
    recoveryPoints: recoveryPointsStatus,
    recoveryTimes: await recoveryTimeStatus(store, from, to),
  };
}
