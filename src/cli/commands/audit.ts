import type { RegisterCommands } from '../context.js';
import { openLocal } from '../local.js';

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
    .action(async (opts: { config?: string }) => {
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
    .option('--head <hash>', 'the head hash published earlier (catches entries removed from the end)')
    .option('-c, --config <path>', 'ops.yaml or a directory of YAML files')
    .action(async (opts: { head?: string; config?: string }) => {
      const local = await openLocal(opts.config, io.env);
      try {
        const { listAudit, verifyAuditChain } = await import('../../store/index.js');
        const entries = await listAudit(local.store.db);
        const problems = verifyAuditChain(entries, opts.head);
        if (problems.length === 0) {
          io.out(`ok: ${entries.length} entries, head ${entries.at(-1)?.hash ?? '(empty)'}`);
          return;
        }
        for (const p of problems) io.err(`✖ entry ${p.seq} ${PROBLEM_TEXT[p.problem] ?? p.problem} [${p.problem}]`);
        io.err(`audit log fails verification: ${problems.length} problem(s) in ${entries.length} entries`);
        process.exitCode = 1;
      } finally {
        await local.close();
      }
    });
};
