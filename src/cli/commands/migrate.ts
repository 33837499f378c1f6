import type { RegisterCommands } from '../context.js';
import { openLocal } from '../local.js';

export const registerMigrate: RegisterCommands = (program, io) => {
  program
    .command('migrate')
    .description('Apply pending store migrations (the daemon also applies them on start). Local by nature: it acts on the config’s own store, never through --server.')
    .option('-c, --config <path>', 'ops.yaml or a directory of YAML files')
    .action(async (opts: { config?: string }) => {
      const local = await openLocal(opts.config, io.env, { migrate: false });
      try {
        const report = await local.store.migrate();
        io.out(`store: ${local.store.location} (${local.store.dialect})`);
        for (const name of report.applied) io.out(`applied ${name}`);
        io.out(`${report.applied.length} applied now, ${report.current.length} in total, 0 pending`);
      } finally {
        await local.close();
      }
    });
};
