import path from 'node:path';
import type { RegisterCommands } from '../context.js';
import { openLocal } from '../local.js';
import { callApi, remoteFrom } from '../remote.js';
import type { AuditAnchor, AuditEntry } from '../../store/index.js';
import { isoDate } from '../flags.js';

/** Every entry of a daemon's audit log, page by page in chain order, and the anchor of its archives. */
async function fetchAudit(remote: NonNullable<ReturnType<typeof remoteFrom>>): Promise<{ entries: AuditEntry[]; anchor?: AuditAnchor }> {
  const head = await callApi<{ seq: number; archived?: AuditAnchor }>(remote, 'GET', '/api/audit/head');
  const entries: AuditEntry[] = [];
  let after = head.archived?.seq ?? 0;
  while (after < head.seq) {
    const page = await callApi<{ entries: AuditEntry[]; next?: number }>(remote, 'GET', `/api/audit?after=${after}&limit=5000`);
    entries.push(...page.entries);
    if (page.next === undefined) break;
    after = page.next;
  }
  return { entries, ...(head.archived ? { anchor: head.archived } : {}) };
}

const PROBLEM_TEXT: Record<string, string> = {
  edited: 'was edited (its hash does not match its content)',
  gap: 'follows a gap (an entry before it was deleted, or one was inserted)',
  relinked: 'does not link to the entry before it (an entry was deleted or inserted before it)',
  head_mismatch: 'is the last entry, but the published head differs (entries were removed from the end, or the store was replaced)',
};

export const registerAudit: RegisterCommands = (program, io) => {
  const audit = program.command('audit').description('The hash-chained audit log: its published head and verification.');

  audit
    .command('head')
    .description('Print the latest entry’s sequence number and hash (publish it: verify --head then detects removals from the end).')
    .option('-c, --config <path>', 'ops.yaml or a directory of YAML files')
    .option('--server <url>', 'a running opsbook to ask (default OPSBOOK_SERVER)')
    .option('--token <token>', 'API token for --server (default OPSBOOK_TOKEN)')
    .action(async (opts: { config?: string; server?: string; token?: string }) => {
      const remote = remoteFrom(opts, io.env);
      if (remote) {
        const head = await callApi<{ seq: number; hash: string }>(remote, 'GET', '/api/audit/head');
        io.out(`${head.seq} ${head.hash}`);
        return;
      }
      const local = await openLocal(opts.config, io.env);
      try {
        const { auditHead } = await import('../../store/index.js');
        const head = await auditHead(local.store.db);
        io.out(`${head.seq} ${head.hash}`);
      } finally {
        await local.close();
      }
    });

  audit
    .command('verify')
    .description('Walk the whole chain; exit 1 naming every edited, inserted or deleted entry. With --archive, the archived part too.')
    .option('--head <hash>', 'the head hash published earlier (default: the audit.head_file beside the config)')
    .option('--archive <file...>', 'archive files written by `audit archive`: the chain is verified from its first entry through them and the store')
    .option('-c, --config <path>', 'ops.yaml or a directory of YAML files')
    .option('--server <url>', 'a running opsbook to ask (default OPSBOOK_SERVER)')
    .option('--token <token>', 'API token for --server (default OPSBOOK_TOKEN)')
    .action(async (opts: { head?: string; archive?: string[]; config?: string; server?: string; token?: string }) => {
      const remote = remoteFrom(opts, io.env);
      // Remotely the entries are fetched and verified here: trusting the daemon's own verdict would prove nothing.
      const local = remote ? undefined : await openLocal(opts.config, io.env);
      try {
        const { listAudit, verifyAuditChain, auditAnchor, readAuditArchive } = await import('../../store/index.js');
        const fetched = remote ? await fetchAudit(remote) : { entries: await listAudit(local!.store.db), anchor: await auditAnchor(local!.store.db) };
        let entries = fetched.entries;
        let start = fetched.anchor;
        let archived = '';
        if (opts.archive?.length) {
          // The archives in chain order, then the store: one chain from the genesis hash.
          const files = opts.archive.map((f) => ({ file: f, ...readAuditArchive(path.resolve(f)) })).sort((a, b) => a.header.from_seq - b.header.from_seq);
          entries = [...files.flatMap((f) => f.entries), ...entries];
          archived = `, ${files.reduce((n, f) => n + f.entries.length, 0)} of them from ${files.length} archive(s)`;
          start = undefined;
        } else if (start) archived = `; entries 1–${start.seq} are archived (not checked here: pass --archive FILE…)`;
        // By default the head published outside the store: the store alone cannot vouch for itself.
        let head: string | { seq: number; hash: string } | undefined = opts.head;
        let against = opts.head ? 'the given head' : 'no published head (pass --head)';
        if (!head && local) {
          const { auditHeadPath, readPublishedHead } = await import('../../daemon/audit-head.js');
          const file = auditHeadPath(local.config, local.baseDir);
          const published = readPublishedHead(file);
          if (published) {
            head = published;
            against = `the published head in ${file} (entry ${published.seq})`;
          } else against = `no published head (${file} does not exist)`;
        }
        const problems = verifyAuditChain(entries, head, start);
        if (problems.length === 0) {
          io.out(`ok: ${entries.length} entries${archived}, head ${entries.at(-1)?.hash ?? '(empty)'}, checked against ${against}`);
          return;
        }
        for (const p of problems) io.err(`✖ entry ${p.seq} ${PROBLEM_TEXT[p.problem] ?? p.problem} [${p.problem}]`);
        io.err(`audit log fails verification: ${problems.length} problem(s) in ${entries.length} entries`);
        process.exitCode = 1;
      } finally {
        await local?.close();
      }
    });

  audit
    .command('archive')
    .argument('<file>', 'where to write the archive (JSON lines; must not exist)')
    .description('Move the entries written before --before to FILE and out of the store, keeping the chain’s anchor so `audit verify --archive FILE` verifies archive + store. The newest entry always stays. Local by nature.')
    .requiredOption('--before <date>', 'archive entries written before this date or instant (ISO 8601, e.g. 2026-01-01 or 2026-01-01T00:00:00Z)', isoDate)
    .option('-c, --config <path>', 'ops.yaml or a directory of YAML files')
    .action(async (file: string, opts: { before: string; config?: string }) => {
      const before = Date.parse(opts.before);
      const local = await openLocal(opts.config, io.env);
      try {
        const { archiveAudit, appendAudit } = await import('../../store/index.js');
        const target = path.resolve(file);
        const by = io.env.OPSBOOK_USER ? `user:${io.env.OPSBOOK_USER}` : 'cli';
        const result = await archiveAudit(local.store.db, local.store.dialect, { before, file: target, now: local.clock.now(), by });
        if (!result.header) {
          io.out(`nothing to archive: no entry before ${new Date(before).toISOString()} (the newest entry always stays)`);
          return;
        }
        const h = result.header;
        const entry = await appendAudit(local.store.db, local.store.dialect, { at: local.clock.now(), actor: by, action: 'audit.archive', subject: target, details: { from_seq: h.from_seq, to_seq: h.to_seq, last_hash: h.last_hash, before: h.before } });
        const { auditHeadPath, writeHead } = await import('../../daemon/audit-head.js');
        writeHead(auditHeadPath(local.config, local.baseDir), { seq: Number(entry.seq), hash: entry.hash });
        io.out(`archived entries ${h.from_seq}–${h.to_seq} (${h.entries}) to ${target}; the store's chain continues from ${h.to_seq} ${h.last_hash}`);
      } finally {
        await local.close();
      }
    });
};
