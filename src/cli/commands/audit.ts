import type { RegisterCommands } from '../context.js';
import { openLocal } from '../local.js';
import { callApi, remoteFrom } from '../remote.js';
import type { AuditEntry } from '../../store/index.js';

/** Every entry of a daemon's audit log, page by page in chain order (bounded by the head). */
async function fetchAudit(remote: NonNullable<ReturnType<typeof remoteFrom>>): Promise<AuditEntry[]> {
  const head = await callApi<{ seq: number }>(remote, 'GET', '/api/audit/head');
  const entries: AuditEntry[] = [];
  let after = 0;
  while (entries.length < head.seq) {
    const page = await callApi<{ entries: AuditEntry[]; next?: number }>(remote, 'GET', `/api/audit?after=${after}&limit=5000`);
    entries.push(...page.entries);
    if (page.next === undefined) break;
    after = page.next;
  }
  return entries;
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
    .description('Walk the whole chain; exit 1 naming every edited, inserted or deleted entry.')
    .option('--head <hash>', 'the head hash published earlier (default: the audit.head_file beside the config)')
    .option('-c, --config <path>', 'ops.yaml or a directory of YAML files')
    .option('--server <url>', 'a running opsbook to ask (default OPSBOOK_SERVER)')
    .option('--token <token>', 'API token for --server (default OPSBOOK_TOKEN)')
    .action(async (opts: { head?: string; config?: string; server?: string; token?: string }) => {
      const remote = remoteFrom(opts, io.env);
      // Remotely the entries are fetched and verified here: trusting the daemon's own verdict would prove nothing.
      const local = remote ? undefined : await openLocal(opts.config, io.env);
      try {
        const { listAudit, verifyAuditChain } = await import('../../store/index.js');
        const entries = remote ? await fetchAudit(remote) : await listAudit(local!.store.db);
        // By default the head published outside the store: the store alone cannot vouch for itself.
        let head: string | { seq: number; hash: string } | undefined = opts.head;
        let against = opts.head ? 'the given head' : 'no published head (pass --head)';
        if (!head && local) {
          const { auditHeadPath, readPublishedHead } = await import('../../daemon/index.js');
          const file = auditHeadPath(local.config, local.baseDir);
          const published = readPublishedHead(file);
          if (published) {
            head = published;
            against = `the published head in ${file} (entry ${published.seq})`;
          } else against = `no published head (${file} does not exist)`;
        }
        const problems = verifyAuditChain(entries, head);
        if (problems.length === 0) {
          io.out(`ok: ${entries.length} entries, head ${entries.at(-1)?.hash ?? '(empty)'}, checked against ${against}`);
          return;
        }
        for (const p of problems) io.err(`✖ entry ${p.seq} ${PROBLEM_TEXT[p.problem] ?? p.problem} [${p.problem}]`);
        io.err(`audit log fails verification: ${problems.length} problem(s) in ${entries.length} entries`);
        process.exitCode = 1;
      } finally {
        await local?.close();
      }
    });
};
