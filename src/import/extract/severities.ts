import type { FileContext } from '../context.js';
import { durationText } from '../threshold.js';

/** "15 min", "1 hour", "24 hours" → 15m, 1h, 24h; "Next day" / "next business day" → next_business_day. */
export function responseOf(text: string): string | undefined {
  if (/next (business |working )?day/i.test(text)) return 'next_business_day';
  const m = /(\d+(?:\.\d+)?)\s*(minutes?|mins?|m|hours?|hrs?|h|days?|d)\b/i.exec(text);
  return m ? durationText(Number(m[1]), m[2]!) : undefined;
}

/**
 * The severity ladder from the first severity table: ids as written (P0–P3, P1–P4, SEV1…), a name
 * from "P0 - Critical" or the description column, the response target from "Response Time".
 * A table without response times leaves each one a TODO.
 */
export function extractSeverities(ctx: FileContext): void {
  if (ctx.state.ladder) return;
  const table = ctx.runbook.tables.find((t) => t.kind === 'severity-levels');
  if (!table) return;
  const ladder: string[] = [];
  table.records.forEach((r, i) => {
    const m = /^\s*([A-Za-z]*\d+|critical|high|medium|low)\b\s*[-–—:(]?\s*([^)]*)\)?\s*$/i.exec((r.level ?? '').replace(/\*/g, ''));
    if (!m) return;
    const id = m[1]!.toUpperCase();
    const line = ctx.rowLine(table, i);
    const label = m[2]!.trim();
    const response = r.responseTime ? responseOf(r.responseTime) : undefined;
    const body: Record<string, unknown> = {
      id,
      name: label || r.description || id,
      ...(label && r.description ? { description: r.description } : r.examples ? { description: `e.g. ${r.examples}` } : {}),
      response: response ?? ctx.todo(`severity_${id}_response`, `response target of ${id}: a duration such as 15m, or next_business_day`),
    };
    const notes = [`${r.level} | ${r.description ?? ''}${r.responseTime ? ` | ${r.responseTime}` : ''}${r.escalation ? ` | escalation: ${r.escalation}` : ''}`];
    if (!r.responseTime) notes.push('the table gives no response time');
    ctx.add({ section: 'severities', id, body, sources: [ctx.src(line)], notes });
    ladder.push(id);
    ctx.state.ladderRows.push({ id, file: ctx.ref, line, text: [label, r.description, r.examples].filter(Boolean).join(' ').toLowerCase() });
    ctx.found('severity', `${id}: ${String(body.name)} — response ${response ?? 'TODO'}`, line);
  });
  if (ladder.length > 0) ctx.state.ladder = ladder;
}
