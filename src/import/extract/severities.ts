import type { FileContext } from '../context.js';
import { durationText } from '../threshold.js';

/** "15 min", "1 hour", "24 hours" → 15m, 1h, 24h; "Next day" / "next business day" → next_business_day. */
export function responseOf(text: string): string | undefined {
  if (/next (business |working )?day/i.test(text)) return 'next_business_day';
  const m = /(\d+(?:\.\d+)?)\s*(minutes?|mins?|m|hours?|hrs?|h|days?|d)\b/i.exec(text);
  return m ? durationText(Number(m[1]), m[2]!) : undefined;
}

/**
 * The response times of the escalation (contact) table's levels, top level first: "L1 | On-call
 * engineer | 15 min" → 15m. Empty when its rows give none.
 */
function levelResponses(ctx: FileContext): { response: string; line: number; said: string }[] {
  for (const table of ctx.runbook.tables.filter((t) => t.kind === 'contacts')) {
    const out = table.records.map((r, i) => ({ response: r.responseTime ? responseOf(r.responseTime) : undefined, line: ctx.rowLine(table, i), said: Object.values(r).join(' | ') }));
    const first = out.findIndex((l) => l.response === undefined || l.response === 'next_business_day');
    const timed = (first === -1 ? out : out.slice(0, first)) as { response: string; line: number; said: string }[];
    if (timed.length > 0) return timed;
  }
  return [];
}

/**
 * The severity ladder from the first severity table: ids as written (P0–P3, P1–P4, SEV1…), a name
 * from "P0 - Critical" or the description column, the response target from "Response Time".
 * A table without response times takes them from the escalation table's levels in order (the first
 * severity the first level's, and so on); past the last timed level, or with no such table, a TODO.
 */
export function extractSeverities(ctx: FileContext): void {
  if (ctx.state.ladder) return;
  const table = ctx.runbook.tables.find((t) => t.kind === 'severity-levels');
  if (!table) return;
  const ladder: string[] = [];
  const fromLevels = levelResponses(ctx);
  let rank = 0;
  table.records.forEach((r, i) => {
    const m = /^\s*([A-Za-z]*\d+|critical|high|medium|low)\b\s*[-–—:(]?\s*([^)]*)\)?\s*$/i.exec((r.level ?? '').replace(/\*/g, ''));
    if (!m) return;
    const id = m[1]!.toUpperCase();
    const line = ctx.rowLine(table, i);
    const label = m[2]!.trim();
    const own = r.responseTime ? responseOf(r.responseTime) : undefined;
    // A ladder without response times takes them, in order, from the escalation table's levels.
    const level = own === undefined && !table.records.some((x) => x.responseTime) ? fromLevels[rank] : undefined;
    rank++;
    const response = own ?? level?.response;
    const body: Record<string, unknown> = {
      id,
      name: label || r.description || id,
      ...(label && r.description ? { description: r.description } : r.examples ? { description: `e.g. ${r.examples}` } : {}),
      response: response ?? ctx.todo(`severity_${id}_response`, `response target of ${id}: a duration such as 15m, or next_business_day`),
    };
    const notes = [`${r.level} | ${r.description ?? ''}${r.responseTime ? ` | ${r.responseTime}` : ''}${r.escalation ? ` | escalation: ${r.escalation}` : ''}`];
    if (level) notes.push(`response: the escalation table's level ${rank} ("${level.said}", line ${level.line}); the runbook does not pair severities with levels, review`);
    else if (!r.responseTime) notes.push('the table gives no response time');
    ctx.add({ section: 'severities', id, body, sources: [ctx.src(line)], notes });
    ladder.push(id);
    ctx.state.ladderRows.push({ id, file: ctx.ref, line, text: [label, r.description, r.examples].filter(Boolean).join(' ').toLowerCase() });
    ctx.found('severity', `${id}: ${String(body.name)} — response ${response ?? 'TODO'}`, line);
  });
  if (ladder.length > 0) ctx.state.ladder = ladder;
}
