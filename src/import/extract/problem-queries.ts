import type { FileContext } from '../context.js';
import { chooseSeverity } from '../severity.js';
import { pgUrl } from './stores.js';

/** The comment that introduces a query names problem rows: what it returns is what is wrong. */
const PROBLEM = /\b(gaps?|errors?|failed|failures?|missing|paused|stuck|blocked|orphan(ed)?|duplicates?|corrupt(ed|ion)?|dead|invalid)\b/i;
/** A value the runbook leaves for the reader to fill: `X`, `<id>`, `{tenant}`, `:id`, `$1`. */
const PLACEHOLDER = String.raw`(?:'?(?:[A-Z]|<[^>]+>|\{[^}]+\}|:\w+|\$\d+)'?)`;

interface Query {
  sql: string;
  comment: string;
  line: number;
}

/** SELECT statements of a block, each with the `--` or `#` comment just above it. */
function selects(code: string, first: number): Query[] {
  const out: Query[] = [];
  let comment = '';
  let current: { lines: string[]; line: number } | undefined;
  code.split('\n').forEach((raw, i) => {
    const t = raw.trim();
    const c = /^(?:--|#)\s*(.*)$/.exec(t);
    if (!current && c) {
      comment = c[1]!;
      return;
    }
    if (!current && /^select\b/i.test(t)) current = { lines: [], line: first + i };
    if (!current) {
      if (t !== '') comment = '';
      return;
    }
    current.lines.push(raw);
    if (t.endsWith(';')) {
      out.push({ sql: current.lines.join('\n').trim().replace(/;$/, ''), comment, line: current.line });
      current = undefined;
      comment = '';
    }
  });
  return out;
}

/**
 * The query run for every row, not the one the reader picks: a condition against a placeholder
 * (`company_id = X`) is dropped; HAVING without GROUP BY filters rows, so it becomes the outer WHERE.
 */
function countQuery(sql: string): string | undefined {
  let q = sql.replace(/\s+/g, ' ');
  const cond = String.raw`[\w.]+\s*(?:=|<>|!=|<|>|<=|>=)\s*${PLACEHOLDER}(?![\w'])`;
  q = q.replace(new RegExp(String.raw`\bwhere\s+${cond}\s+and\s+`, 'i'), 'WHERE ');
  q = q.replace(new RegExp(String.raw`\s+and\s+${cond}`, 'gi'), '');
  q = q.replace(new RegExp(String.raw`\s+where\s+${cond}`, 'i'), '');
  if (new RegExp(PLACEHOLDER.replace("'?(?:[A-Z]|", "'?(?:\\b[A-Z]\\b|")).test(q.replace(/'[^']*'/g, "''").replace(/\b[A-Z]{2,}\b/g, ''))) return undefined;
  let outer = '';
  const having = /\s+having\s+(.+)$/i.exec(q);
  if (having && !/\bgroup\s+by\b/i.test(q)) {
    q = q.slice(0, having.index);
    outer = ` WHERE ${having[1]}`;
  }
  q = q.replace(/\s+order\s+by\s+[^()]+$/i, '');
  return `SELECT count(*) FROM (${q}) AS found${outer}`;
}

/**
 * A procedure's diagnosis query that looks for problem rows ("-- Check for gaps in …", "# Check for
 * errors") as a postgres check counting them, with a rule when any is found. The runbook gives no
 * threshold or severity: `value > 0` at the least urgent severity, for a person to raise. System
 * catalogs (pg_stat_*) are left to the store checks that read them.
 */
export function extractProblemQueries(ctx: FileContext): void {
  for (const block of ctx.runbook.blocks) {
    const procedure = ctx.procedureAt(block.line);
    if (!procedure) continue;
    for (const query of selects(block.code, block.line + 1)) {
      if (!PROBLEM.test(query.comment) || /\bpg_\w+/i.test(query.sql)) continue;
      const sql = countQuery(query.sql);
      if (!sql) continue;
      const subject = query.comment.replace(/^check\s+(for\s+)?/i, '');
      const body: Record<string, unknown> = { kind: 'postgres', service: ctx.service, url: pgUrl(ctx), query: sql, runbook: ctx.reference(procedure) };
      const notes = [`"${query.comment}" (line ${query.line - 1}): the rows this query returns are the problem; counted over every row the runbook's query would pick one of`];
      const check = ctx.add({ section: 'checks', body, sources: [ctx.src(query.line)], notes }, `${ctx.service}-${subject}`);
      ctx.found('check', `${check.id}: postgres, rows of "${query.comment}"`, query.line);
      const chosen = chooseSeverity(ctx.state, subject, 'warning');
      const rule = ctx.add(
        { section: 'rules', body: { check: check.id, condition: 'value > 0', severity: chosen.id, runbook: ctx.reference(procedure) }, sources: [ctx.src(query.line)], notes: [`any row found; severity ${chosen.why}`] },
        `${check.id}-found`,
      );
      ctx.found('rule', `${rule.id}: ${check.id} value > 0 → ${chosen.id}`, query.line);
    }
  }
}
