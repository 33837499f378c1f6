import fs from 'node:fs';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../database.js';
import type { StoreDialect } from '../store.js';
import { GENESIS_HASH, listAudit, type AuditAnchor, type AuditEntry } from './audit.js';
import { OpsbookError } from '../../lib/errors/index.js';

/** The first line of an archive file names what follows; each next line is one entry as stored. */
export const AUDIT_ARCHIVE_FORMAT = 'opsbook-audit-archive/1';

export interface AuditArchiveHeader {
  format: typeof AUDIT_ARCHIVE_FORMAT;
  /** First and last sequence numbers in the file. */
  from_seq: number;
  to_seq: number;
  /** The hash the file's first entry links to (the previous archive's last, or the genesis hash). */
  prev_hash: string;
  /** The file's last entry's hash: the anchor the store's part continues from. */
  last_hash: string;
  entries: number;
  /** Entries written before this instant were archived (ISO 8601). */
  before: string;
  archived_at: string;
}

export interface AuditArchiveResult {
  header: AuditArchiveHeader | undefined;
  file: string;
}

/** The latest archive's anchor (the last archived entry), or undefined when nothing was archived. */
export async function auditAnchor(db: Kysely<Database>): Promise<AuditAnchor | undefined> {
  const row = await db.selectFrom('audit_archives').select(['to_seq', 'hash']).orderBy('to_seq', 'desc').limit(1).executeTakeFirst();
  return row ? { seq: Number(row.to_seq), hash: row.hash } : undefined;
}

/** Every archive recorded in the store, oldest first. */
export async function listAuditArchives(db: Kysely<Database>) {
  return db.selectFrom('audit_archives').selectAll().orderBy('to_seq', 'asc').execute();
}

const PAGE = 5000;

/**
 * Moves the entries written before `before` to `file` (JSON lines, a header first), then deletes
 * them from the store and records the anchor, in one transaction. Only a prefix of the chain moves,
 * and never the newest entry: the chain goes on from it. The file is written and synced before
 * anything is deleted; if the deletion fails the file is removed again.
 */
export async function archiveAudit(db: Kysely<Database>, dialect: StoreDialect, o: { before: number; file: string; now: number; by: string }): Promise<AuditArchiveResult> {
  const anchor = (await auditAnchor(db)) ?? { seq: 0, hash: GENESIS_HASH };
  const newest = await db.selectFrom('audit_log').select('seq').orderBy('seq', 'desc').limit(1).executeTakeFirst();
  const lastAllowed = newest ? Number(newest.seq) - 1 : 0;
  if (fs.existsSync(o.file)) throw new OpsbookError('OPSBOOK_E_ARCHIVE_EXISTS', `${o.file} exists; an archive is never overwritten`);
  const chosen: AuditEntry[] = [];
  let after = anchor.seq;
  outer: while (after < lastAllowed) {
    const page = await listAudit(db, { afterSeq: after, limit: PAGE });
    if (page.length === 0) break;
    for (const e of page) {
      if (Number(e.seq) > lastAllowed || e.at >= o.before) break outer;
      chosen.push(e);
    }
    after = Number(page.at(-1)!.seq);
  }
  if (chosen.length === 0) return { header: undefined, file: o.file };
  const first = chosen[0]!;
  const last = chosen.at(-1)!;
  if (Number(first.seq) !== anchor.seq + 1 || first.prev_hash !== anchor.hash) {
    throw new OpsbookError('OPSBOOK_E_AUDIT_CHAIN', `the store's audit chain does not continue from its last archive (entry ${anchor.seq}); run opsbook audit verify before archiving`);
  }
  const header: AuditArchiveHeader = {
    format: AUDIT_ARCHIVE_FORMAT,
    from_seq: Number(first.seq),
    to_seq: Number(last.seq),
    prev_hash: anchor.hash,
    last_hash: last.hash,
    entries: chosen.length,
    before: new Date(o.before).toISOString(),
    archived_at: new Date(o.now).toISOString(),
  };
  writeArchive(o.file, header, chosen);
  try {
    await db.transaction().execute(async (trx) => {
      if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(7410001)`.execute(trx);
      const again = await trx.selectFrom('audit_archives').select('to_seq').orderBy('to_seq', 'desc').limit(1).executeTakeFirst();
      if ((again ? Number(again.to_seq) : 0) !== anchor.seq) throw new OpsbookError('OPSBOOK_E_AUDIT_CHAIN', 'another archive ran at the same time; run this one again');
      await trx.deleteFrom('audit_log').where('seq', '>=', header.from_seq).where('seq', '<=', header.to_seq).execute();
      await trx.insertInto('audit_archives').values({ to_seq: header.to_seq, from_seq: header.from_seq, hash: header.last_hash, file: o.file, archived_at: o.now, archived_by: o.by }).execute();
    });
  } catch (e) {
    fs.rmSync(o.file, { force: true });
    throw e;
  }
  return { header, file: o.file };
}

function writeArchive(file: string, header: AuditArchiveHeader, entries: readonly AuditEntry[]): void {
  // 'wx': never replace a file that appeared meanwhile.
  const fd = fs.openSync(file, 'wx');
  try {
    fs.writeSync(fd, `${JSON.stringify(header)}\n`);
    for (let i = 0; i < entries.length; i += 1000) {
      fs.writeSync(fd, entries.slice(i, i + 1000).map((e) => `${JSON.stringify({ ...e, seq: Number(e.seq), at: Number(e.at) })}\n`).join(''));
    }
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
    throw e;
  }
  fs.closeSync(fd);
}

/** Reads an archive file: its header and entries. Throws naming the file and line on a malformed one. */
export function readAuditArchive(file: string): { header: AuditArchiveHeader; entries: AuditEntry[] } {
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0);
  const parse = (line: string, n: number): unknown => {
    try {
      return JSON.parse(line);
    } catch {
      throw new OpsbookError('OPSBOOK_E_ARCHIVE_INVALID', `${file}:${n}: not a JSON line`);
    }
  };
  const header = parse(lines[0] ?? '', 1) as AuditArchiveHeader;
  if (header?.format !== AUDIT_ARCHIVE_FORMAT) throw new OpsbookError('OPSBOOK_E_ARCHIVE_INVALID', `${file}:1: not an opsbook audit archive (expected format ${AUDIT_ARCHIVE_FORMAT})`);
  const entries = lines.slice(1).map((l, i) => parse(l, i + 2) as AuditEntry);
  return { header, entries };
}
