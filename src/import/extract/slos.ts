import type { Table } from '../../runbooks/index.js';
import { slug, type FileContext } from '../context.js';
import type { Item } from '../model.js';
import { parseThreshold } from '../threshold.js';
import { durationText } from '../threshold.js';
import { parseDuration } from '../../lib/duration.js';
import { errorRatioCheck } from './error-ratio-checks.js';

function windowOf(text: string | undefined): string | undefined {
  if (!text) return undefined;
  if (/month/i.test(text)) return 'month';
  if (/week/i.test(text)) return 'week';
  const m = /(\d+)\s*(days?|d|hours?|h)\b/i.exec(text);
  return m ? durationText(Number(m[1]), m[2]!) : undefined;
}

/** Health checks of this service, for objectives the runbook states about health checks. */
function healthChecks(ctx: FileContext): string[] {
  return ctx.state.items
    .filter((i) => i.section === 'checks' && i.body.service === ctx.service && (i.body.kind === 'http' || i.body.kind === 'json') && ctx.baseUrl !== undefined && String(i.body.url).startsWith(ctx.baseUrl) && /health/i.test(String(i.body.url)))
    .map((i) => i.id);
}

function checksFor(ctx: FileContext, subject: string): { checks: string[]; note: string } {
  const health = /health/i.test(subject) ? healthChecks(ctx) : [];
  if (health.length > 0) return { checks: health, note: `measured by the health checks (${health.join(', ')})` };
  return { checks: [ctx.todo(`${subject}_check`, `id of the check whose results measure "${subject}"`)], note: `the runbook does not say which check measures "${subject}"` };
}

/**
 * The check a latency row measures. A row naming an endpoint class with no path ("API read",
 * "Reports") is a request of that class: an http check whose URL stays a TODO, since the runbook
 * names no endpoint; the table's p50/p95/p99 are SLOs on it. Health rows use the health checks.
 */
function latencyChecks(ctx: FileContext, subject: string, line: number): { checks: string[]; note: string } {
  if (/health/i.test(subject)) return checksFor(ctx, subject);
  const made = ctx.state.items.find((i) => i.section === 'checks' && i.body.kind === 'http' && i.sources.some((s) => s.file === ctx.ref && s.line === line));
  if (made) return { checks: [made.id], note: `measured by ${made.id}, a request of this class (its URL a TODO)` };
  const url = ctx.todo(`${subject}_url`, `URL of a "${subject}" request, whose latency the table bounds (line ${line})`);
  const check = ctx.add({ section: 'checks', body: { kind: 'http', service: ctx.service, url }, sources: [ctx.src(line)], notes: [`"${subject}" in the latency table (line ${line}); the runbook names no endpoint of that class`] }, `${ctx.service}-${slug(subject)}`);
  ctx.found('check', `${check.id}: http (URL TODO) for "${subject}" latency`, line);
  return { checks: [check.id], note: `measured by ${check.id}, a request of this class (its URL a TODO)` };
}

function add(ctx: FileContext, base: string, body: Record<string, unknown>, line: number, notes: string[], summary: string): Item {
  const item = ctx.add({ section: 'slos', body: { ...body }, sources: [ctx.src(line)], notes }, `${ctx.service}-${base}`);
  ctx.found('slo', `${item.id}: ${summary}`, line);
  return item;
}

function fromTable(ctx: FileContext, table: Table): void {
  const latency = table.headers.some((h) => /^p\d+/i.test(h.trim()));
  table.rows.forEach((row, i) => {
    const line = ctx.rowLine(table, i);
    const subject = (row[0] ?? '').replace(/[`*]/g, '').trim();
    if (!subject) return;
    if (latency) {
      table.headers.forEach((h, col) => {
        const pct = /^p(\d+(?:\.\d+)?)$/i.exec(h.trim())?.[1];
        const threshold = parseThreshold(`< ${row[col] ?? ''}`);
        if (!pct || threshold?.unit !== 'duration' || threshold.seconds === undefined) return;
        const ms = Math.round(threshold.seconds * 1000);
        const { checks, note } = latencyChecks(ctx, subject, line);
        add(ctx, `${slug(subject)}-p${pct}-latency`, { kind: 'latency', service: ctx.service, checks, percentile: `p${pct}`, threshold: `${ms}ms`, alerts: false }, line, [`"${subject}" p${pct} ${row[col]} (line ${line})`, note, 'burn-rate alerts off until the objective is agreed'], `${subject} p${pct} ≤ ${row[col]}`);
      });
      return;
    }
    const target = row[1] ?? '';
    const th = parseThreshold(target) ?? (/^\s*\d+(\.\d+)?\s*%\s*$/.test(target) ? { op: '>=', value: Number.parseFloat(target), unit: 'percent' as const } : undefined);
    if (!th || th.unit !== 'percent') {
      ctx.found('slo', `${subject}: ${target} — not an objective opsbook measures (no percentage)`, line);
      return;
    }
    const window = windowOf(row[2]);
    const windowNote = row[2] && !window ? [`measurement "${row[2]}" is not a window: the default 30d applies`] : [];
    if (th.op === '<' || th.op === '<=') {
      const objective = `${Number((100 - th.value).toFixed(6))}%`;
      const { check, note } = errorRatioCheck(ctx, subject, line);
      add(ctx, slug(subject), { kind: 'error_ratio', service: ctx.service, check, objective, ...(window ? { window } : {}) }, line, [`"${subject} ${target}" (line ${line}): an error ratio below ${th.value}% is an objective of ${objective}`, note, ...windowNote], `${subject} ${target} → error_ratio ${objective}`);
      return;
    }
    const { checks, note } = checksFor(ctx, subject);
    add(ctx, slug(subject), { kind: 'availability', service: ctx.service, checks, objective: `${th.value}%`, ...(window ? { window } : {}) }, line, [`"${subject} ${target}${row[2] ? ` ${row[2]}` : ''}" (line ${line})`, note, ...windowNote], `${subject} ${th.value}%${window ? ` per ${window}` : ''}`);
  });
}

/**
 * SLOs from SLO tables (availability and error-rate targets, p50/p95/p99 latency tables) and a
 * recovery-point objective from an RPO section. Which check measures each one is a TODO unless the
 * row itself names health checks.
 */
export function extractSlos(ctx: FileContext): void {
  for (const table of ctx.runbook.tables) if (table.kind === 'slos') fromTable(ctx, table);
  const stated = ctx.state.items.length;
  statedRecoveryPoint(ctx);
  if (ctx.state.items.length === stated) scheduledRecoveryPoints(ctx);
}

/** `1d` + `2h` → `26h`: in hours when whole, else minutes. */
function sumDurations(a: string, b: string): string {
  const ms = (parseDuration(a) ?? 0) + (parseDuration(b) ?? 0);
  return ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : `${Math.round(ms / 60_000)}m`;
}

/**
 * With no RPO stated, each scheduled backup is the recovery point it promises: a restore loses at
 * most what was written since the newest backup, whose age the backup's file check bounds.
 */
function scheduledRecoveryPoints(ctx: FileContext): void {
  const scheduled = (i: Item): boolean => (i.body.kind === 'file' && typeof i.body.max_age === 'string') || (i.body.kind === 'heartbeat' && /backup/.test(i.id));
  for (const check of ctx.state.items.filter((i) => i.section === 'checks' && i.body.service === ctx.service && scheduled(i))) {
    const line = check.sources[0]!.line;
    // A file is as old as max_age at most; a heartbeat's job last ran a period and its grace ago.
    const target = check.body.kind === 'file' ? String(check.body.max_age) : sumDurations(String(check.body.period), String(check.body.grace));
    add(ctx, `rpo-${check.id.replace(`${ctx.service}-`, '').replace(/^backup-/, '')}`, { kind: 'recovery_point', service: ctx.service, check: check.id, target }, line, [`the runbook states no RPO; the backup ${check.id} (line ${line}) runs on a schedule, so a restore loses at most ${target} of data`], `recovery point ≤ ${target} (${check.id})`);
  }
}

function statedRecoveryPoint(ctx: FileContext): void {
  for (let l = 1; l <= ctx.lines.length; l++) {
    if (!/^#{1,6}\s.*(recovery point objective|\bRPO\b)/i.test(ctx.lineText(l))) continue;
    for (let k = l + 1; k <= Math.min(ctx.lines.length, l + 6); k++) {
      const m = /\*\*Target\*\*\s*:?\s*(.+)$/i.exec(ctx.lineText(k));
      const target = m ? /(\d+(?:\.\d+)?)\s*(minutes?|mins?|hours?|h|days?|d)\b/i.exec(m[1]!) : undefined;
      if (!target) continue;
      const d = durationText(Number(target[1]), target[2]!);
      if (!d) continue;
      // The backup the RPO section names ("+ hourly backups") shows the recovery point; else a TODO.
      const named = ctx.state.items.find((i) => i.section === 'checks' && (i.body.kind === 'file' || i.body.kind === 'heartbeat') && i.sources.some((s) => s.file === ctx.ref && s.line > l && s.line <= l + 8));
      const check = named?.id ?? ctx.todo('rpo_check', 'id of the file check (newest backup) or heartbeat check that shows the recovery point');
      add(ctx, 'recovery-point', { kind: 'recovery_point', service: ctx.service, check, target: d }, k, [`RPO target ${m![1]!.trim()} (line ${k})`], `recovery point ≤ ${d}`);
      break;
    }
  }
}
