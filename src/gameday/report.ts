import { formatPointInTime } from './point-in-time.js';
import type { GameDayResult, RecoveryResult, ScenarioResult } from './result.js';

/** A scenario's verdict and its negative control's, on one line each. */
export function formatScenarioLines(s: ScenarioResult): string[] {
  const nc = s.negativeControl;
  const r = s.resolution;
  return [
    `  ${s.passed ? '✔' : '✘'} ${s.id} — ${s.title}${s.fault.standIn ? ' [stand-in]' : ''}`,
    `      fault: ${s.fault.text}`,
    ...(r ? [`      resolved by ${r.by === 'runbook' ? `the runbook's ${oneLine(r.text, 110)}` : `a mend (${oneLine(r.text.replace(/^mend: /, ''), 70)}): ${oneLine(r.why ?? '', 110)}`}`] : []),
    `      negative control ${!nc.ran ? '– not reached' : nc.held ? '✔ failed as it must' : '✘ passed: proves nothing'} (${nc.text})`,
  ];
}

/** A finished game day as text: one block per scenario, what ran, and the verdict. */
export function formatGameDay(r: GameDayResult): string[] {
  const out = [`game day ${r.system} (seed ${r.seed}, store ${r.store}): ${r.passed}/${r.scenarios.length} scenarios passed in ${r.seconds.toFixed(1)} s (${formatTimings(r.timings)})`];
  for (const b of r.baseline) out.push(`  baseline: ${b}`);
  for (const s of r.scenarios) {
    out.push(...formatScenarioLines(s));
    if (s.incident) out.push(`      incident ${s.incident.severity} (expected ${s.expected.severity}, ${s.expected.severitySource}) via ${s.alert?.rule ?? '?'} → ${s.incident.runbook ?? 'no procedure'}`);
    if (s.page) out.push(`      paged ${s.page.path} at minute ${s.page.minute}`);
    if (s.escalation) out.push(`      nobody acknowledged: ${s.escalation.to} paged at minute ${s.escalation.minute} (configured ${s.escalation.expectedMinute})`);
    if (s.acknowledged) out.push(`      signed acknowledge link → HTTP ${s.acknowledged.status}, ${s.acknowledged.state} by ${s.acknowledged.by}`);
    for (const c of s.diagnosis?.commands ?? []) {
      const what = c.outcome === 'ok' ? `ran: ${firstLine(c.output ?? '') || '(nothing)'}` : c.outcome === 'failed' ? `ran, failed: ${firstLine(c.output ?? '')}` : c.outcome === 'not_runnable' ? `not runnable: ${c.why ?? ''}` : c.outcome === 'left:shell' ? 'left for a person (shell: outside the stand-in world)' : `left for a person (${c.effect})`;
      out.push(`      ${c.step}.${c.command} ${oneLine(c.text)} — ${oneLine(what, 90)}`);
    }
    if (s.resolution) out.push(`      resolution (${s.resolution.by}) ${oneLine(s.resolution.text, 100)} by ${s.resolution.actor}${s.resolution.why ? ` — ${oneLine(s.resolution.why, 90)}` : ''}`);
    if (s.resolvedAfterMinutes !== undefined) out.push(`      resolved ${s.resolvedAfterMinutes} min after the resolution; ${s.verification ?? ''}`);
    if (s.review) out.push(`      review: ${s.review.entries} timeline entries${s.review.templateItems ? `, ${s.review.templateItems} template item(s)` : ''}${s.review.file ? `, ${s.review.file}` : ''}`);
    for (const f of s.failures) out.push(`      ✘ ${f}`);
  }
  for (const d of r.drills) {
    out.push(`  ${d.passed ? '✔' : '✘'} ${d.kind} (${d.scenario}): ${d.text}`);
    for (const f of d.failures) out.push(`      ✘ ${f}`);
  }
  for (const t of r.recoveries) {
    out.push(`  ${t.passed ? '✔' : '✘'} recovery test ${t.procedure}: ${formatRecovery(t)}`);
    for (const f of t.failures) out.push(`      ✘ ${f}`);
  }
  for (const w of r.worldFailures ?? []) out.push(`  ✘ world of ${w.part} failed: ${w.error}`);
  for (const w of r.rejectedWebhooks) out.push(`  ✘ receiver refused: ${w}`);
  return out;
}

/** What a recovery test restored and its achieved RTO and RPO against the objective, on one line. */
export function formatRecovery(r: RecoveryResult): string {
  if (r.method === 'point_in_time') return `point in time: ${formatPointInTime(r)}`;
  return `pg_dump ${(r.backupBytes / 1024).toFixed(0)} KiB restored into a scratch database (${r.tables} tables, ${r.rows} rows verified): RTO ${r.achievedRtoSeconds.toFixed(1)} s (objective ${r.objective.rtoMinutes} min), RPO ${r.achievedRpoMinutes} min (objective ${r.objective.rpoMinutes} min)`;
}

function formatTimings(t: Record<string, number>): string {
  return Object.entries(t).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(', ');
}

/** The summary table of several game days. */
export function formatSummary(results: readonly GameDayResult[]): string[] {
  const rows = results.map((r) => [r.system, r.store, String(r.scenarios.length), String(r.passed), String(r.failed), String(r.worlds ?? 1), r.seconds.toFixed(1)]);
  const head = ['system', 'store', 'scenarios', 'passed', 'failed', 'worlds', 'seconds'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

function firstLine(s: string): string {
  return s.split('\n').find((l) => l.trim()) ?? '';
}

function oneLine(text: string, max = 70): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
