import fs from 'node:fs';
import path from 'node:path';
import type { OpsConfig } from '../config/index.js';
import { auditHead, GENESIS_HASH, onAuditHead, type Store } from '../store/index.js';
import type { Logger } from './logger.js';

export interface PublishedHead {
  seq: number;
  hash: string;
}

/** The head file's path: `audit.head_file` against the config directory. */
export function auditHeadPath(config: OpsConfig, baseDir: string): string {
  return path.resolve(baseDir, config.audit.head_file);
}

/** The head a file holds (`SEQ HASH`), or undefined when there is none. Throws on a malformed file. */
export function readPublishedHead(file: string): PublishedHead | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const m = /^(\d+) ([0-9a-f]{64})\s*$/.exec(text);
  if (!m) throw new Error(`${file} is not an audit head ("SEQ HASH")`);
  return { seq: Number(m[1]), hash: m[2]! };
}

/** Writes the head file (a one-shot command that appended an entry publishes it as the daemon would). */
export function writeHead(file: string, head: PublishedHead): void {
  // Write then rename: a crash leaves the old head or the new one, never half a line. The temporary
  // file is this process's own, so processes of a cluster sharing the directory never write into
  // each other's half-written file.
  const tmp = tmpOf(file);
  fs.writeFileSync(tmp, lineOf(head));
  fs.renameSync(tmp, file);
}

/** This process's own temporary file beside the head file. */
const tmpOf = (file: string): string => `${file}.${process.pid}.tmp`;
const lineOf = (head: PublishedHead): string => `${head.seq} ${head.hash}\n`;

/** As writeHead, through the thread pool (a running daemon's writes; the caller writes one at a time). */
async function writeHeadAsync(file: string, head: PublishedHead): Promise<void> {
  const tmp = tmpOf(file);
  await fs.promises.writeFile(tmp, lineOf(head));
  await fs.promises.rename(tmp, file);
}

/** The shortest time between two writes of the head file (see `publishAuditHead`). */
export const HEAD_WRITE_INTERVAL_MS = 250;

/**
 * Publishes the audit chain's head to a file outside the store after every committed entry (within
 * HEAD_WRITE_INTERVAL_MS), so
 * removing entries from the end or rewriting the chain is caught by `opsbook audit verify`. At
 * start the store is compared with the file: a store behind or beside it is logged as an error and
 * the old file kept (renamed) as evidence; a store ahead of it (a crash between commit and publish)
 * is published.
 */
export async function publishAuditHead(store: Store, config: OpsConfig, baseDir: string, logger: Logger): Promise<() => Promise<void>> {
  const file = auditHeadPath(config, baseDir);
  const current = await auditHead(store.db);
  let published: PublishedHead | undefined;
  try {
    published = readPublishedHead(file);
  } catch (e) {
    logger.error({ err: e, file }, 'audit head file unreadable');
  }
  if (published) {
    // Seq 0 is the empty chain (what a process publishes on an empty store): no row holds it.
    const at = published.seq === 0 ? { hash: GENESIS_HASH } : await store.db.selectFrom('audit_log').select('hash').where('seq', '=', published.seq).executeTakeFirst();
    if (at?.hash !== published.hash) {
      const kept = `${file}.mismatch-${Date.now()}`;
      logger.error({ file, kept, published, store: current }, 'the audit log does not hold the published head: entries were removed or rewritten; run opsbook audit verify');
      fs.renameSync(file, kept);
    } else if (current.seq > published.seq) {
      logger.info({ from: published.seq, to: current.seq }, 'audit head published after a restart');
    }
  }
  let last = current.seq;
  // A storm commits hundreds of entries a second and each write is a file write and a rename: the
  // head is written at once when none was written in the last HEAD_WRITE_INTERVAL_MS, else once at
  // the end of that interval with the newest head. A crash in between leaves the store ahead of the
  // file, which the next start publishes (above).
  // While running, the file is written through the thread pool, one write at a time: a synchronous
  // write and rename (about a millisecond on a busy disk) would sit on the event loop between an
  // alert's commit and its webhook whenever the timer fired beside one.
  let pending: PublishedHead | undefined;
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> | undefined;
  let lastWriteAt = -Infinity;
  const write = (head: PublishedHead): void => {
    try {
      writeHead(file, head);
    } catch (e) {
      logger.warn({ err: e, file }, 'could not publish the audit head');
    }
  };
  const schedule = (): void => {
    if (timer || writing || !pending) return;
    // Never written in the committer's turn: the commit's pages go out first.
    const wait = lastWriteAt + HEAD_WRITE_INTERVAL_MS - performance.now();
    timer = setTimeout(flush, Math.max(0, wait));
  };
  const flush = (): void => {
    timer = undefined;
    if (!pending || writing) return;
    const head = pending;
    pending = undefined;
    lastWriteAt = performance.now();
    writing = writeHeadAsync(file, head)
      .catch((e: unknown) => logger.warn({ err: e, file }, 'could not publish the audit head'))
      .finally(() => {
        writing = undefined;
        schedule();
      });
  };
  const publish = (head: PublishedHead): void => {
    // Appenders may commit out of order; the file only moves forward.
    if (head.seq <= last) return;
    last = head.seq;
    pending = head;
    schedule();
  };
  write(current);
  onAuditHead(store.db, publish);
  return async () => {
    onAuditHead(store.db, undefined);
    clearTimeout(timer);
    timer = undefined;
    // The write in flight lands first; the newest head is then written over it, never under it.
    while (writing) await writing;
    if (pending) write(pending);
    pending = undefined;
  };
}
