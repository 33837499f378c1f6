import type { ProposalState } from './context.js';
import { at, type Item, type LadderRow, type Source } from './model.js';

export type { LadderRow } from './model.js';

/** One row of the runbook's own severity table: its id, line and the words that say when it applies. */
/** The ladder opsbook uses when the runbook has no severity table. */
export const DEFAULT_LADDER = ['P1', 'P2', 'P3', 'P4'];

/** Words that say how much, not what: they never pick a severity row on their own. */
const VAGUE = new Set(['high', 'low', 'the', 'and', 'for', 'usage', 'size', 'total', 'count', 'value', 'level', 'alert', 'too', 'many', 'check']);

export interface Chosen {
  id: string;
  /** Why: shown as a note above the entry. */
  why: string;
  /** The severity row it came from, when one did. */
  source?: Source;
}

export function significant(subject: string): string[] {
  return [...new Set(subject.toLowerCase().split(/[^a-z]+/).filter((w) => w.length >= 3 && !VAGUE.has(w)))];
}

/** The least urgent severity of the ladder in use: what an alert opens when the runbook gives none. */
export function lowest(state: ProposalState): string {
  const ladder = state.ladder ?? DEFAULT_LADDER;
  return ladder[ladder.length - 1]!;
}

/**
 * The severity-table row that describes the subject: every significant word of the subject (at
 * least one) appears in the row's name, description or examples ("Error rate" → "High error rate,
 * slow responses"). The most severe such row when several do.
 */
export function rowFor(state: ProposalState, subject: string): LadderRow | undefined {
  const wanted = significant(subject);
  if (wanted.length === 0) return undefined;
  return state.ladderRows.find((row) => {
    const have = new Set(row.text.split(/[^a-z]+/));
    return wanted.every((w) => have.has(w) || have.has(`${w}s`) || (w.endsWith('s') && have.has(w.slice(0, -1))));
  });
}

/**
 * The severity an alert on `subject` opens. A severity the runbook states (and the ladder has) wins;
 * then a critical alert takes the row of the runbook's severity table that describes it; anything
 * else opens the least urgent severity, never the default P1: import does not page on a guess.
 */
export function chooseSeverity(state: ProposalState, subject: string, level: 'warning' | 'critical', stated?: { id: string; line: number }): Chosen {
  const ladder = state.ladder ?? DEFAULT_LADDER;
  if (stated && ladder.includes(stated.id)) return { id: stated.id, why: `${stated.id}: stated by the runbook (line ${stated.line})` };
  const row = level === 'critical' ? rowFor(state, subject) : undefined;
  if (row) return { id: row.id, why: `${row.id}: the runbook's severity table describes "${subject}" (line ${row.line})`, source: at(row.file, row.line) };
  const low = lowest(state);
  const said = stated ? ` (it says ${stated.id}, which is not on the ladder)` : '';
  return { id: low, why: `${low}: the runbook states no severity for this ${level} alert${said}; the least urgent on the ladder, raise it once decided` };
}

/** "billing-error-rate-5xx" of service "billing" → "error rate 5xx": what a check measures, in words. */
function subjectOf(check: Item): string {
  const service = typeof check.body.service === 'string' ? check.body.service : '';
  const id = service && check.id.startsWith(`${service}-`) ? check.id.slice(service.length + 1) : check.id;
  return id.replace(/-/g, ' ');
}

/**
 * Every check gets a condition-less rule, which replaces the check's implicit level rule and its
 * default severities (warning P3, critical P1) with chosen ones: a map for a check with levels, one
 * id for a check that can only fail.
 */
export function addLevelRules(state: ProposalState, add: (item: Omit<Item, 'id'>, base: string) => Item, found: (text: string, check: Item) => void): void {
  for (const check of state.items.filter((i) => i.section === 'checks')) {
    const has = (level: 'warning' | 'critical'): boolean => ((check.body[level] as unknown[] | undefined) ?? []).length > 0;
    if (state.items.some((i) => i.section === 'rules' && i.body.check === check.id && i.body.condition === undefined)) continue;
    const subject = subjectOf(check);
    if (!has('warning') && !has('critical')) {
      // A check with no levels still fails (down, stale, a condition false): that is its critical
      // level, and without a rule of its own it would open the implicit rule's P1.
      const down = chooseSeverity(state, subject, 'critical');
      const rule = add(
        { section: 'rules', body: { check: check.id, severity: down.id }, sources: [check.sources[0]!, ...(down.source ? [down.source] : [])], notes: [`${check.id} failing: severity ${down.why}`] },
        `${check.id}-down`,
      );
      found(`${rule.id}: ${check.id} failing → ${down.id}`, check);
      continue;
    }
    const warning = chooseSeverity(state, subject, 'warning');
    const critical = chooseSeverity(state, subject, 'critical');
    const rule = add(
      {
        section: 'rules',
        body: { check: check.id, severity: { warning: warning.id, critical: critical.id } },
        sources: [check.sources[0]!, ...(critical.source ? [critical.source] : [])],
        notes: [`the levels of ${check.id}: warning ${warning.why}`, `critical ${critical.why}`],
      },
      `${check.id}-level`,
    );
    found(`${rule.id}: ${check.id} level → warning ${warning.id}, critical ${critical.id}`, check);
  }
}
