import { createHash } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../database.js';
import type { AuditLogTable } from '../tables/core.js';
import type { StoreDialect } from '../store.js';
import { LIMIT_ONE, precompiled } from './precompiled.js';

export type AuditEntry = AuditLogTable;

export interface AuditInput {
  at: number;
  actor: string;
  action: string;
  subject: string;
  details?: Record<string, unknown>;
}

/** The hash the chain starts from, before any entry. */
export const GENESIS_HASH = '0'.repeat(64);

export function entryHash(prevHash: string, e: Omit<AuditEntry, 'hash' | 'prev_hash'>): string {
  const canonical = JSON.stringify([e.seq, e.at, e.actor, e.action, e.subject, e.details]);
  return createHash('sha256').update(prevHash).update('\n').update(canonical).digest('hex');
}

type AuditHeadListener = (head: { seq: number; hash: string }) => void;
const headListeners = new WeakMap<Kysely<Database>, AuditHeadListener>();

/** Calls `listener` with every entry appended through `db` once it is committed (to publish the head outside the store). */
export function onAuditHead(db: Kysely<Database>, listener: AuditHeadListener | undefined): void {
  if (listener) headListeners.set(db, listener);
  else headListeners.delete(db);
}

/** Tells `db`'s head listener about an entry committed inside a caller's transaction (see appendAuditIn). */
export function auditCommitted(db: Kysely<Database>, entry: AuditEntry): void {
  headListeners.get(db)?.({ seq: Number(entry.seq), hash: entry.hash });
}

/**
 * Appends one entry to the hash chain in its own transaction; on PostgreSQL an advisory lock
 * serialises appenders across processes.
 */
export async function appendAudit(db: Kysely<Database>, dialect: StoreDialect, input: AuditInput): Promise<AuditEntry> {
  const entry = await db.transaction().execute((trx) => appendAuditIn(trx, dialect, input));
  auditCommitted(db, entry);
  return entry;
}

/**
 * Runs an action's writes and appends its audit entry in one transaction (they commit or vanish
 * together), then tells the head listener. `input` may depend on what the action returned.
 */
export async function withAuditEntry<T>(db: Kysely<Database>, dialect: StoreDialect, action: (trx: Transaction<Database>) => Promise<T>, input: AuditInput | ((result: T) => AuditInput)): Promise<T> {
  const { result, entry } = await db.transaction().execute(async (trx) => {
    const result = await action(trx);
    return { result, entry: await appendAuditIn(trx, dialect, typeof input === 'function' ? input(result) : input) };
  });
  auditCommitted(db, entry);
  return result;
}

const headQ = precompiled([], (db) => db.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(LIMIT_ONE));
const insertEntryQ = precompiled(['seq', 'at', 'actor', 'action', 'subject', 'details', 'prev_hash', 'hash'], (db, row) => db.insertInto('audit_log').values(row));

/**
 * Appends one entry inside the caller's transaction, so the action and its audit entry commit or
 * vanish together. The caller calls `auditCommitted` after the commit.
 */
export async function appendAuditIn(trx: Kysely<Database>, dialect: StoreDialect, input: AuditInput): Promise<AuditEntry> {
  return (await appendAuditEntriesIn(trx, dialect, [input]))[0]!;
}

/**
 * Appends several entries in order inside the caller's transaction (the chain's head read once);
 * the caller calls `auditCommitted` with the last after the commit.
 */
export async function appendAuditEntriesIn(trx: Kysely<Database>, dialect: StoreDialect, inputs: readonly AuditInput[]): Promise<AuditEntry[]> {
  if (inputs.length === 0) return [];
  if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(7410001)`.execute(trx);
  const last = (await headQ(trx, {})).rows[0] as { seq: number; hash: string } | undefined;
  let seq = last ? Number(last.seq) : 0;
  let prev = last?.hash ?? GENESIS_HASH;
  const out: AuditEntry[] = [];
  for (const input of inputs) {
    const base = { seq: ++seq, at: input.at, actor: input.actor, action: input.action, subject: input.subject, details: JSON.stringify(input.details ?? {}) };
    const entry: AuditEntry = { ...base, prev_hash: prev, hash: entryHash(prev, base) };
    await insertEntryQ(trx, entry);
    out.push(entry);
    prev = entry.hash;
  }
  return out;
}

export async function listAudit(
  db: Kysely<Database>,
  filter: { subject?: string; afterSeq?: number; limit?: number } = {},
): Promise<AuditEntry[]> {
  let q = db.selectFrom('audit_log').selectAll().orderBy('seq', 'asc');
  if (filter.subject) q = q.where('subject', '=', filter.subject);
  if (filter.afterSeq !== undefined) q = q.where('seq', '>', filter.afterSeq);
  if (filter.limit) q = q.limit(filter.limit);
  return q.execute();
}

/** The newest entry about `subject` whose action is one of `actions` (the subject index reads it backwards). */
export async function lastAuditOf(db: Kysely<Database>, subject: string, actions: readonly string[]): Promise<AuditEntry | undefined> {
  return db.selectFrom('audit_log').selectAll().where('subject', '=', subject).where('action', 'in', [...actions]).orderBy('seq', 'desc').limit(1).executeTakeFirst();
}

export async function auditHead(db: Kysely<Database>): Promise<{ seq: number; hash: string }> {
  const last = await db.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  return last ? { seq: Number(last.seq), hash: last.hash } : { seq: 0, hash: GENESIS_HASH };
}

export interface ChainProblem {
  seq: number;
  problem: 'edited' | 'gap' | 'relinked' | 'head_mismatch';
}

/** Where a chain's part starts: the entry before it (seq 0 and GENESIS_HASH for the whole chain). */
export interface AuditAnchor {
  seq: number;
  hash: string;
}

/**
 * Walks the chain from the start (or from `start`, the last archived entry): every entry must follow its predecessor (seq + 1, prev_hash
 * equal to the predecessor's hash) and hash to what it claims. With `head`, the last entry must be
 * that published hash, which also catches entries removed from the end.
 */
export function verifyAuditChain(entries: readonly AuditEntry[], head?: string | { seq: number; hash: string }, start?: AuditAnchor): ChainProblem[] {
  const problems: ChainProblem[] = [];
  let prev = start?.hash ?? GENESIS_HASH;
  let expectedSeq = (start?.seq ?? 0) + 1;
  for (const e of entries) {
    const seq = Number(e.seq);
    if (seq !== expectedSeq) problems.push({ seq, problem: 'gap' });
    if (e.prev_hash !== prev) problems.push({ seq, problem: 'relinked' });
    const { hash: _h, prev_hash: _p, ...rest } = e;
    if (entryHash(e.prev_hash, { ...rest, seq }) !== e.hash) problems.push({ seq, problem: 'edited' });
    prev = e.hash;
    expectedSeq = seq + 1;
  }
  const headHash = typeof head === 'string' ? head : head?.hash;
  const headSeq = typeof head === 'string' ? undefined : head?.seq;
  if (headHash !== undefined && (headHash !== prev || (headSeq !== undefined && headSeq !== expectedSeq - 1))) problems.push({ seq: expectedSeq - 1, problem: 'head_mismatch' });
  return problems;
}
