import { envPart, type FileContext } from '../context.js';
import type { Source } from '../model.js';
import { responseOf } from './severities.js';

interface Level {
  who: string;
  /** How the runbook reaches them ("PagerDuty", "Slack #leads", "Phone"), when it names a channel, not a person. */
  via?: string;
  label: string;
  line: number;
  /** How long this level has to answer before the next is paged, when the runbook says. */
  timeout?: string;
  said: string;
}

/** A way to reach someone (a paging service, a chat channel, a phone), not someone. */
const CHANNEL = /^\W*(pager\s*duty|ops\s*genie|victor\s*ops|pager|phone|telephone|call|sms|text|e-?mail|mail|slack|teams|discord|chat|irc|webhook)\b|^\s*#[\w-]+\s*$|^\s*[\w.+-]+@[\w.-]+\s*$|^\s*\+?[\d\s()-]{7,}$/i;

function minutes(d: string): number {
  const n = Number(d.slice(0, -1));
  return d.endsWith('h') ? n * 60 : d.endsWith('d') ? n * 1440 : n;
}

/** "After 30 min", "P1 > 1 hour": when the NEXT level is paged, counted from the start. */
function elapsedOf(text: string | undefined): string | undefined {
  if (!text || !/after|>|\bif\b|\bwithin\b|\d/.test(text)) return undefined;
  const d = responseOf(text);
  return d === 'next_business_day' ? undefined : d;
}

function fromTables(ctx: FileContext): Level[][] {
  return ctx.runbook.tables
    .filter((t) => t.kind === 'contacts')
    .map((table) => {
      const rows = table.records.map((r, i) => ({ r, line: ctx.rowLine(table, i) }));
      return rows.map(({ r, line }, i): Level => {
        const own = r.responseTime ? responseOf(r.responseTime) : undefined;
        let timeout = own && own !== 'next_business_day' ? own : undefined;
        if (!timeout) {
          const next = elapsedOf(rows[i + 1]?.r.escalation);
          const prev = elapsedOf(r.escalation) ?? '0m';
          if (next && minutes(next) > minutes(prev)) timeout = `${minutes(next) - minutes(prev)}m`;
        }
        const via = r.contact && CHANNEL.test(r.contact) ? r.contact : undefined;
        const who = (via ? r.level : r.contact) || r.level || `level ${i + 1}`;
        return { who, label: r.level ?? `level ${i + 1}`, line, ...(via ? { via } : {}), ...(timeout ? { timeout } : {}), said: Object.values(r).join(' | ') };
      });
    });
}

/** "1. **Level 1**: On-call engineer", "- **Primary**: …" under an escalation or on-call heading. */
function fromBullets(ctx: FileContext): Level[][] {
  const groups = new Map<string, Level[]>();
  for (const item of ctx.listItems) {
    if (!/escalat|on-?call|contact/i.test(`${item.heading} ${item.label}`)) continue;
    if (!/^(level\s*\d+|l\d|tier\s*\d+|primary|secondary|tertiary|escalation)$/i.test(item.ownLabel)) continue;
    const key = `${item.heading}\u0000${item.label}`;
    const list = groups.get(key) ?? [];
    list.push({ who: item.rest || item.ownLabel, label: item.ownLabel, line: item.line, said: item.text });
    groups.set(key, list);
  }
  return [...groups.values()].filter((g) => g.length >= 2);
}

/** Words that name a role a person holds ("engineer", "lead", "CTO"), as opposed to what a slot covers ("24/7 coverage"). */
const ROLE_NOUN = /\b(engineers?|leads?|managers?|cto|cio|vp|directors?|heads?|architects?|admins?|administrators?|owners?|sres?|devops|dbas?|teams?|on-?call|responders?|officers?|commanders?|staff|developers?|founders?)\b/i;

/**
 * The role a level's user is named after: what the runbook says fills the slot ("Engineering lead
 * for P0/P1" → "Engineering lead", its qualifier dropped), or the slot's own label ("Primary") when
 * the text is a placeholder ("[Contact Info]") or says what the slot covers rather than who fills it
 * ("24/7 coverage", "Backup for critical incidents").
 */
export function roleName(who: string, label: string): string {
  if (/[[\]<>]/.test(who) || !/[a-z]/i.test(who)) return label;
  const role = who.replace(/\s+(for|during|on|in|when|if)\s.*$/i, '').trim();
  return ROLE_NOUN.test(role) ? role : label;
}

/**
 * Escalation policies from contact tables ("L1 | On-call engineer | 15 min") and escalation lists.
 * Each level is a step paging a user whose name is a TODO (the runbook names roles, not people);
 * the step waits the level's response time, or until the next level's "After 30 min".
 */
export function extractEscalation(ctx: FileContext): void {
  for (const levels of [...fromTables(ctx), ...fromBullets(ctx)]) {
    if (levels.length === 0) continue;
    const policyId = ctx.state.uniqueId('escalation_policies', `${ctx.service}-escalation`);
    const sources: Source[] = levels.map((l) => ctx.src(l.line));
    const steps = levels.map((l, i) => {
      // The runbook names roles, not people: one user per role, its address a TODO.
      const role = roleName(l.who, l.label);
      const user = ctx.state.uniqueId('users', `${ctx.service}-${role}`);
      const email = ctx.todo(`${user.slice(ctx.service.length + 1)}_email`, `email address of whoever is "${l.who}" (${l.label})`);
      const notes = [`"${l.who}": a role the runbook names; rename it to the person, or page a schedule instead`];
      if (l.via) notes.push(`the runbook reaches them by ${l.via} (line ${l.line}): add it as a contact or a channel`);
      ctx.add({ section: 'users', id: user, body: { name: user, email, role: 'responder' }, sources: [ctx.src(l.line)], notes });
      const timeout = l.timeout ?? ctx.todo(`${policyId.slice(ctx.service.length + 1)}_${envPart(l.label)}_timeout`, `how long "${l.who}" has to acknowledge before the next step (e.g. 15m)`);
      ctx.found('escalation', `step ${i + 1}: ${l.who}${l.via ? ` via ${l.via}` : ''} (user ${user}) — timeout ${l.timeout ?? 'TODO'}`, l.line);
      return { targets: [{ user }], timeout };
    });
    const notes = levels.map((l, i) => `step ${i + 1}: "${l.said}" (line ${l.line})${l.timeout ? '' : ' — no response time given'}`);
    ctx.add({ section: 'escalation_policies', id: policyId, body: { id: policyId, steps }, sources, notes });
  }
}
