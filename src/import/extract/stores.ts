import type { Procedure } from '../../runbooks/index.js';
import type { FileContext } from '../context.js';
import type { Item } from '../model.js';
import { chooseSeverity } from '../severity.js';

const OUTAGE = /\b(down|fail(ure|over|ed|s)?|outage|unavailable|unreachable|crash(ed)?)\b/i;

/** A data store a command talks to, and the check that watches it. */
interface Store {
  /** Which check, by what it adds to a plain connection (one check per key). */
  key: string;
  test: (text: string, target: string) => boolean;
  base: string;
  body: (ctx: FileContext) => Record<string, unknown>;
  what: string;
}

export const pgUrl = (ctx: FileContext): string => ctx.todo('postgres_url', 'postgres:// URL of the PostgreSQL the runbook queries (a monitoring role is enough)');
const mongoUrl = (ctx: FileContext): string => ctx.todo('mongodb_url', 'mongodb:// URL of the MongoDB the runbook connects to');

const STORES: Store[] = [
  {
    key: 'redis',
    test: (t) => /\bredis-cli\b(?:.*\s)?ping\b/i.test(t),
    base: 'redis',
    body: (ctx) => ({ kind: 'redis', service: ctx.service, url: ctx.todo('redis_url', 'redis:// URL of the Redis the runbook pings') }),
    what: 'redis PING',
  },
  {
    key: 'mongodb',
    test: (t) => /\bmongo(?:sh)?\b.*\bping\b/i.test(t),
    base: 'mongodb',
    body: (ctx) => ({ kind: 'mongodb', service: ctx.service, url: mongoUrl(ctx), server_status: true }),
    what: 'mongodb ping and serverStatus',
  },
  {
    key: 'mongodb-replica-set',
    test: (t) => /\bmongo(?:sh)?\b.*\brs\.status\(\)/i.test(t),
    base: 'mongodb-replica-set',
    body: (ctx) => ({
      kind: 'mongodb',
      service: ctx.service,
      url: mongoUrl(ctx),
      replica_set: true,
      conditions: ['[CONNECTED] == true', '[PRIMARY] != ""', '[UNHEALTHY_MEMBERS] == 0'],
    }),
    what: 'mongodb replica set: a primary, no unhealthy member',
  },
  {
    key: 'postgres',
    test: (t) => /(^|[\s;(|&])(psql|pg_isready)\b/.test(t),
    base: 'postgres',
    body: (ctx) => ({ kind: 'postgres', service: ctx.service, url: pgUrl(ctx) }),
    what: 'postgres connect',
  },
];

/**
 * Reachability checks on the data stores a runbook's own commands talk to: `redis-cli … ping`
 * gives a redis check, `mongosh … ping` a mongodb check and `rs.status()` one on its replica set,
 * `psql`/`pg_isready` a postgres check. Each is linked to the procedure that runs the command and
 * gets a `…-down` rule with that procedure's stated severity (else the least urgent one).
 */
export function extractStoreChecks(ctx: FileContext): void {
  for (const store of STORES) {
    const command = ctx.runbook.blocks.flatMap((b) => b.commands).find((c) => store.test(c.text, c.target));
    if (!command) continue;
    const procedure = ctx.procedureAt(command.line);
    const body = store.body(ctx);
    if (procedure) body.runbook = ctx.reference(procedure);
    const item = ctx.add({ section: 'checks', body, sources: [ctx.src(command.line)], notes: [`the runbook runs: ${command.text.trim()} (line ${command.line})`] }, `${ctx.service}-${store.base}`);
    ctx.found('check', `${item.id}: ${store.what}`, command.line);
    // The procedure's severity is the store's being down only when the procedure is about that
    // ("Cache Failure"), not about something its diagnosis merely queries ("Connection Pool Exhaustion").
    addDownRule(ctx, item, store.base.replace(/-/g, ' '), procedure && OUTAGE.test(procedure.title) ? procedure : undefined);
  }
  extractWalArchiving(ctx);
}

/** Whether the runbook's own code reads a relation (a query, a `psql -c`). */
function readsRelation(ctx: FileContext, relation: string): boolean {
  return ctx.runbook.blocks.some((b) => new RegExp(`\\b${relation}\\b`, 'i').test(b.code));
}

/**
 * "Database connections > 80%" in a runbook whose own diagnosis reads pg_stat_activity: the share
 * of max_connections the database's sessions use, as a fraction (80% = 0.8).
 */
export function postgresFigure(ctx: FileContext, subject: string): { body: Record<string, unknown>; notes: string[] } | undefined {
  if (!/\b(db|database|postgres(ql)?)\s+connections?\b/i.test(subject) || !readsRelation(ctx, 'pg_stat_activity')) return undefined;
  return {
    body: {
      kind: 'postgres',
      service: ctx.service,
      url: pgUrl(ctx),
      query: "select count(*)::float / current_setting('max_connections')::float from pg_stat_activity where datname = current_database()",
    },
    notes: [`"${subject}": the share of max_connections in use, read from pg_stat_activity as the runbook's own diagnosis does`, 'percentages compare as fractions (80% = 0.8)'],
  };
}

/**
 * WAL archiving the runbook relies on ("Continuous WAL archiving", an `archive_command`): a check
 * that the archiver's last failure is not newer than its last success.
 */
function extractWalArchiving(ctx: FileContext): void {
  const line = ctx.lines.findIndex((l) => /\bWAL archiving\b|^\s*archive_command\s*=/i.test(l)) + 1;
  if (line === 0) return;
  const body: Record<string, unknown> = {
    kind: 'postgres',
    service: ctx.service,
    url: pgUrl(ctx),
    query: "select count(*) from pg_stat_archiver where last_failed_time > coalesce(last_archived_time, '-infinity')",
    conditions: ['[VALUE] == 0'],
  };
  const procedure = ctx.procedureAt(line);
  if (procedure) body.runbook = ctx.reference(procedure);
  const item = ctx.add({ section: 'checks', body, sources: [ctx.src(line)], notes: [`"${ctx.lineText(line).trim()}" (line ${line}): the archiver's last attempt failed is a failing check`] }, `${ctx.service}-wal-archiving`);
  ctx.found('check', `${item.id}: postgres pg_stat_archiver, last archive attempt succeeded`, line);
  addDownRule(ctx, item, 'wal archiving', procedure);
}

/** A check that can only fail: one rule, the severity its procedure states, else the least urgent. */
export function addDownRule(ctx: FileContext, check: Item, subject: string, procedure: Procedure | undefined): Item {
  const stated = procedure ? ctx.procedureSeverity(procedure) : undefined;
  const chosen = chooseSeverity(ctx.state, subject, 'critical', stated);
  const body: Record<string, unknown> = { check: check.id, severity: chosen.id };
  if (typeof check.body.runbook === 'string') body.runbook = check.body.runbook;
  const rule = ctx.add({ section: 'rules', body, sources: [...check.sources, ...(stated ? [ctx.src(stated.line)] : []), ...(chosen.source ? [chosen.source] : [])], notes: [`${check.id} failing: severity ${chosen.why}`] }, `${check.id}-down`);
  ctx.found('rule', `${rule.id}: ${check.id} failing → ${chosen.id}`, check.sources[0]!.line);
  return rule;
}
