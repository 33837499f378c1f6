import type { RegisterCommands } from '../context.js';
import { cliActor, openLocal } from '../local.js';

function iso(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString();
}

export const registerToken: RegisterCommands = (program, io) => {
  const token = program.command('token').description('Create, list and revoke API tokens.');

  token
    .command('create')
    .description('Create a token for a user and print it once; only its SHA-256 is stored.')
    .requiredOption('-u, --user <name>', 'user the token acts as')
    .option('-n, --name <label>', 'label for the token', 'default')
    .option('--as <name>', 'who is creating it (default: OPSBOOK_USER, else the --user)')
    .option('-c, --config <path>', 'ops.yaml or a directory of YAML files')
    .action(async (opts: { user: string; name: string; as?: string; config?: string }) => {
      const local = await openLocal(opts.config, io.env);
      try {
        const actor = await cliActor(local.config, opts.as, io.env, opts.user);
        const { createToken } = await import('../../identity/index.js');
        const created = await createToken({ ...local, users: local.config.users }, actor, opts.user, opts.name);
        io.out(created.token);
        io.err(`token ${created.id} for ${created.user} (${created.name}); it is shown only now`);
      } finally {
        await local.close();
      }
    });

  token
    .command('list')
    .description('List tokens (admins see everyone’s; others their own).')
    .option('-u, --user <name>', 'only this user’s tokens')
    .option('--as <name>', 'who is asking (default: OPSBOOK_USER)')
    .option('--json', 'print JSON')
    .option('-c, --config <path>', 'ops.yaml or a directory of YAML files')
    .action(async (opts: { user?: string; as?: string; json?: boolean; config?: string }) => {
      const local = await openLocal(opts.config, io.env);
      try {
        const actor = await cliActor(local.config, opts.as, io.env);
        const { listTokenInfo } = await import('../../identity/index.js');
        const rows = await listTokenInfo({ ...local, users: local.config.users }, actor, opts.user);
        if (opts.json) {
          io.out(JSON.stringify(rows, null, 2));
          return;
        }
        io.out(['ID', 'USER', 'NAME', 'CREATED', 'LAST USED', 'REVOKED'].join('\t'));
        for (const r of rows) {
          io.out([r.id, r.user_name, r.name, iso(r.created_at), iso(r.last_used_at), iso(r.revoked_at)].join('\t'));
        }
      } finally {
        await local.close();
      }
    });

  token
    .command('revoke <id>')
    .description('Revoke a token; it is refused from then on.')
    .option('--as <name>', 'who is revoking (default: OPSBOOK_USER)')
    .option('-c, --config <path>', 'ops.yaml or a directory of YAML files')
    .action(async (id: string, opts: { as?: string; config?: string }) => {
      const local = await openLocal(opts.config, io.env);
      try {
        const actor = await cliActor(local.config, opts.as, io.env);
        const { revokeTokenById } = await import('../../identity/index.js');
        await revokeTokenById({ ...local, users: local.config.users }, actor, id);
        io.out(`revoked ${id}`);
      } finally {
        await local.close();
      }
    });
};
