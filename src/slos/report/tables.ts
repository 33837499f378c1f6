import type { OperationsReport } from './build.js';
import { day, dur, instant, pct } from './format.js';

/** A report section as a table: the markdown and HTML renderers draw the same content. */
export interface ReportTable {
  title: string;
  /** Shown when there are no rows. */
  empty: string;
  headers: string[];
  rows: string[][];
  /** A line under the heading: what the table left out, when it lists only some. */
  note?: string;
  /** Rows flagged as a miss (target not met), highlighted in HTML. */
  missed?: boolean[];
  /** The section's chart in HTML, drawn from the report (see html.ts). */
  chart?: 'services' | 'pages';
}

const mark = (met: boolean | undefined | null) => (met === undefined || met === null ? '–' : met ? '✔ met' : '✖ missed');

export function reportTables(r: OperationsReport): ReportTable[] {
  const slos: ReportTable = {
    title: 'SLO attainment',
    empty: 'No SLOs are configured (slos: in ops.yaml).',
    headers: ['SLO', 'kind', 'objective', 'attained (period)', 'events', 'budget left (period)', `budget left (own window)`, 'status'],
    rows: r.slos.map((s) => [s.name, s.kind, pct(s.objective), pct(s.attainment), String(Math.round(s.events.total)), pct(s.budget.remaining, 1), pct(s.current.budget.remaining, 1), mark(s.met)]),
    missed: r.slos.map((s) => s.met === false),
  };
  const burning: ReportTable = {
    title: 'Burn rates now',
    empty: 'No burn-rate alerts are configured.',
    headers: ['SLO', 'urgency', 'long window', 'short window', 'alert at', 'firing'],
    rows: r.slos.flatMap((s) => s.current.burn.map((b) => [s.name, b.urgency, `${b.long.toFixed(2)}× over ${dur(b.longMs)}`, `${b.short.toFixed(2)}× over ${dur(b.shortMs)}`, `${b.threshold}×`, b.holds ? 'yes' : 'no'])),
    missed: r.slos.flatMap((s) => s.current.burn.map((b) => b.holds)),
  };
  const incidents: ReportTable = {
    title: `Incidents by severity (${r.incidents.total} opened)`,
    empty: 'No severities.',
    headers: ['severity', 'response target', 'incidents', 'acknowledged in target', 'missed target', 'ack p50 / p90', 'resolved', 'resolve p50 / p90', 'MTTA / MTTR'],
    rows: r.incidents.bySeverity.map((s) => [
      `${s.severity} ${s.name !== s.severity ? s.name : ''}`.trim(),
      s.responseTargetMs === null ? 'next business day' : dur(s.responseTargetMs),
      String(s.incidents),
      `${s.acknowledgedInTarget} / ${s.incidents}`,
      String(s.missedTarget),
      `${dur(s.ackP50Ms)} / ${dur(s.ackP90Ms)}`,
      String(s.resolved),
      `${dur(s.resolveP50Ms)} / ${dur(s.resolveP90Ms)}`,
      `${dur(s.mttaMs)} / ${dur(s.mttrMs)}`,
    ]),
    missed: r.incidents.bySeverity.map((s) => s.missedTarget > 0),
  };
  const rules: ReportTable = {
    title: 'Noisiest rules',
    empty: 'No alerts in the period.',
    headers: ['rule', 'alerts', 'incidents'],
    rows: r.noisiestRules.map((x) => [x.ruleId, String(x.alerts), String(x.incidents)]),
    ...(r.rulesAlerting > r.noisiestRules.length ? { note: `The ${r.noisiestRules.length} with the most alerts of the ${r.rulesAlerting} rules that alerted in the period.` } : {}),
  };
  const checks: ReportTable = {
    title: 'Checks with the most failures',
    empty: 'No check failed in the period.',
    // A check judged by thresholds fails when critical too, as its page's "Within thresholds" counts it.
    headers: ['check', 'down or critical runs', 'runs', 'uptime (within thresholds, for a check judged by them)'],
    rows: r.failingChecks.map((c) => [
      c.checkId,
      c.thresholds ? `${c.failures} (${c.critical} critical, ${c.down} down)` : String(c.failures),
      String(c.results),
      c.thresholds ? `${pct(c.withinThresholds)} within thresholds` : pct(c.uptime),
    ]),
    ...(r.checksFailing > r.failingChecks.length ? { note: `The ${r.failingChecks.length} with the most failures of the ${r.checksFailing} checks that failed in the period.` } : {}),
  };
  const services: ReportTable = {
    title: 'Incidents by service (MTTA counts acknowledgements by people only)',
    empty: 'No incident in the period.',
    headers: ['service', 'incidents', 'acknowledged by a person', 'resolved unacknowledged', 'resolved', 'MTTA', 'MTTR'],
    rows: r.incidents.byService.map((s) => [s.service, String(s.incidents), String(s.acknowledged), String(s.unacknowledged), String(s.resolved), dur(s.mttaMs), dur(s.mttrMs)]),
    chart: 'services',
  };
  const pages: ReportTable = {
    title: `Pages per person on call (off hours: outside ${r.businessHours})`,
    empty: 'Nobody was paged.',
    headers: ['person', 'pages', 'off hours', 'incidents'],
    rows: r.pagesPerPerson.map((p) => [p.user, String(p.pages), String(p.offHours), String(p.incidents)]),
    chart: 'pages',
  };
  const maintenance: ReportTable = {
    title: `Time in maintenance (${dur(r.maintenance.totalMs)})`,
    empty: 'No maintenance window was open in the period.',
    headers: ['window', 'services', 'occurrences', 'time'],
    rows: r.maintenance.windows.map((w) => [w.id, w.services.join(', ') || 'any', String(w.occurrences), dur(w.ms)]),
  };
  const rpo: ReportTable = {
    title: 'Recovery point (RPO)',
    empty: 'No recovery_point objectives are configured.',
    headers: ['objective', 'check', 'target', 'achieved now', 'worst day', 'days within target', 'status'],
    rows: r.recoveryPoints.map((p) => {
      const measured = p.history.filter((h) => h.met !== null);
      const worst = p.history.reduce<number | null>((a, h) => (h.worstMs !== null && (a === null || h.worstMs > a) ? h.worstMs : a), null);
      return [p.name, p.check, dur(p.targetMs), p.achievedMs === null ? 'no backup found' : dur(p.achievedMs), dur(worst), `${measured.filter((h) => h.met).length} / ${measured.length}`, mark(p.met)];
    }),
    missed: r.recoveryPoints.map((p) => !p.met),
  };
  const rto: ReportTable = {
    title: 'Recovery time (RTO) from recovery tests',
    empty: 'No recovery test ran in the period.',
    headers: ['procedure', 'RTO target', 'runs', 'within target', 'latest run', 'achieved', 'status'],
    rows: r.recoveryTimes.map((t) => [
      t.procedure,
      dur(t.targetRtoMs),
      String(t.runs),
      `${t.met} / ${t.runs}`,
      t.latest ? instant(t.latest.startedAt) : '–',
      t.latest?.achievedRtoMs === null || !t.latest ? 'not verified' : dur(t.latest.achievedRtoMs),
      mark(t.latest?.met ?? null),
    ]),
    missed: r.recoveryTimes.map((t) => t.latest?.met === false),
  };
  return [slos, burning, incidents, services, rules, checks, pages, maintenance, rpo, rto];
}

export function reportHeading(r: OperationsReport): string {
  return `Operations report — ${r.period.name}: ${day(r.period.from)} to ${instant(r.period.to)}`;
}
