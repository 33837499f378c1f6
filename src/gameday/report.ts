import type { GameDayResult } from './result.js';

/** A finished game day as text: one block per scenario, what ran, and the verdict. */
export function formatGameDay(r: GameDayResult): string[] {
  const out = [`game day ${r.system} (seed ${r.seed}, store ${r.store}): ${r.passed}/${r.scenarios.length} scenarios passed in ${r.seconds.toFixed(1)} s`];
  for (const b of r.baseline) out.push(`  baseline: ${b}`);
  for (const s of r.scenarios) {
    out.push(`  ${s.passed ? '✔' : '✘'} ${s.id} — ${s.title}`);
    if (s.incident) out.push(`      incident ${s.incident.severity} (expected ${s.expected.severity}, ${s.expected.severitySource}) via ${s.alert?.rule ?? '?'} → ${s.incident.runbook ?? 'no procedure'}`);
    for (const c of s.diagnosis?.commands ?? []) {
      const what = c.outcome === 'ok' ? 'ran' : c.outcome === 'failed' ? 'ran, failed' : c.outcome === 'not_runnable' ? `not runnable: ${c.why ?? ''}` : c.outcome === 'left:shell' ? 'left for a person (shell: outside the stand-in world)' : `left for a person (${c.effect})`;
      out.push(`      ${c.step}.${c.command} ${oneLine(c.text)} — ${what}`);
    }
    if (s.notification) out.push(`      signed ${s.notification.type} → ${s.notification.path}`);
    if (s.resolvedAfterMinutes !== undefined) out.push(`      resolved ${s.resolvedAfterMinutes} min after the fault was removed`);
    for (const f of s.failures) out.push(`      ✘ ${f}`);
  }
  for (const w of r.rejectedWebhooks) out.push(`  ✘ receiver refused: ${w}`);
  return out;
}

/** The summary table of several game days. */
export function formatSummary(results: readonly GameDayResult[]): string[] {
  const rows = results.map((r) => [r.system, r.store, String(r.scenarios.length), String(r.passed), String(r.failed), r.seconds.toFixed(1)]);
  const head = ['system', 'store', 'scenarios', 'passed', 'failed', 'seconds'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 70 ? `${flat.slice(0, 69)}…` : flat;
}
