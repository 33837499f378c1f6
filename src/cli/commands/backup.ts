import fs from 'node:fs';
import path from 'node:path';
import type { RegisterCommands } from '../context.js';
import { openLocal, readLocalConfig } from '../local.js';
import { OpsbookError } from '../../lib/errors/index.js';

/** Who a local backup or restore is recorded as acting. */
function actorName(env: NodeJS.ProcessEnv): string {
  return env.OPSBOOK_USER ? `user:${env.OPSBOOK_USER}` : 'cli';
}

export const registerBackup: RegisterCommands = (program, io) => {
  program
    .command('backup')
    .argument('<file>', 'where to write the backup (must not exist)')
    .description('Back up opsbook’s own state while it runs: SQLite through its backup API, PostgreSQL with pg_dump (custom format, checked against the schema). Local by nature.')
    .option('-c, --config <path>', 'ops.yaml or a directory of YAML files')
    .action(async (file: string, opts: { config?: string }) => {
      const { backupStore } = await import('../../store/backup.js');
      const { resolveStorage } = await import('../../config/index.js');
      const local = await openLocal(opts.config, io.env, { migrate: false });
      try {
        const target = resolveStorage(local.config.storage, local.baseDir);
        const summary = await backupStore(local.store, path.resolve(file), target.kind === 'postgres' ? target.url : undefined);
        io.out(`backup ${summary.file}: ${summary.bytes} bytes, ${summary.tables} tables, schema ${summary.schema}${summary.auditEntries === undefined ? '' : `, ${summary.auditEntries} audit entries`}`);
      } finally {
        await local.close();
      }
    });

  program
    .command('restore')
    .argument('<file>', 'a backup written by `opsbook backup` (or pg_dump --format=custom)')
    .description('Restore a backup into the configured store, which must be empty; then migrate it, verify the audit chain and publish its head. Local by nature.')
    .option('-c, --config <path>', 'ops.yaml or a directory of YAML files')
    .action(async (file: string, opts: { config?: string }) => {
      const source = path.resolve(file);
      if (!fs.existsSync(source)) throw new OpsbookError('OPSBOOK_E_RESTORE_SOURCE', `${source} does not exist`);
      const { resolveStorage } = await import('../../config/index.js');
      const loaded = await readLocalConfig(opts.config, io.env);
      const target = resolveStorage(loaded.config.storage, loaded.baseDir);
      const { restoreSqlite, restorePostgres } = await import('../../store/backup.js');
      if (target.kind === 'sqlite') {
        await restoreSqlite(source, target.path);
      } else {
        const { openConfiguredStore } = await import('../../daemon/store.js');
        const store = await openConfiguredStore(loaded.config, loaded.baseDir);
        try {
          await restorePostgres(source, store, target.url);
        } finally {
          await store.close();
        }
      }
      const local = await openLocal(opts.config, io.env);
      try {
        const { listAudit, verifyAuditChain, appendAudit, auditAnchor } = await import('../../store/index.js');
        const { auditHeadPath } = await import('../../daemon/audit-head.js');
        const entries = await listAudit(local.store.db);
        // An archived prefix is verified with its files (`audit verify --archive`); here from its anchor on.
        const problems = verifyAuditChain(entries, undefined, await auditAnchor(local.store.db));
        if (problems.length > 0) {
          throw new OpsbookError('OPSBOOK_E_RESTORE_SOURCE', `restored, but the audit chain does not verify (${problems.length} problem(s), first at entry ${problems[0]!.seq}); keep the backup and investigate before serving`);
        }
        const schema = (await local.store.migrationStatus()).applied.at(-1);
        const entry = await appendAudit(local.store.db, local.store.dialect, {
          at: local.clock.now(),
          actor: actorName(io.env),
          action: 'store.restore',
          subject: source,
          details: { entries: entries.length, schema },
        });
        // The old published head belonged to the store this one replaces: keep it as evidence.
        const headFile = auditHeadPath(local.config, local.baseDir);
        if (fs.existsSync(headFile)) fs.renameSync(headFile, `${headFile}.before-restore-${Date.now()}`);
        fs.writeFileSync(headFile, `${entry.seq} ${entry.hash}\n`);
        io.out(`restored ${source} into ${local.store.location}: schema ${schema}, ${entries.length} audit entries verified; head ${entry.seq} published to ${headFile}`);
      } finally {
        await local.close();
      }
    });
};
