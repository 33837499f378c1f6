import type { RegisterCommands } from '../context.js';
import { cliActor, openLocal } from '../local.js';
import { callApi, remoteFrom } from '../remote.js';
import type { TokenInfo } from '../../identity/index.js';

function iso(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString();
}

const SERVER_HELP = 'a running opsbook to act through, with an admin token (default: OPSBOOK_SERVER; else the local store)';
const TOKEN_HELP = 'API token for --server (default: OPSBOOK_TOKEN)';

interface RemoteOpts {
  server?: string;
  token?: string;
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
    .option('--server <url>', SERVER_HELP)
    .option('--token <token>', TOKEN_HELP)
    .action(async (opts: { user: string; name: string; as?: string; config?: string } & RemoteOpts) => {
      const remote = remoteFrom(opts, io.env);
      let created: { id: string; token: string; user: string; name: string };
      if (remote) created = await callApi(remote, 'POST', '/api/tokens', { user: opts.user, name: opts.name });
      else {
        const local = await openLocal(opts.config, io.env);
        try {
          const actor = await cliActor(local.config, opts.as, io.env, opts.user);
          const { createToken } = await import('../../identity/index.js');
          created = await createToken({ ...local, users: local.config.users }, actor, opts.user, opts.name);
        } finally {
          await local.close();
        }
      }
      io.out(created.token);
      io.err(`token ${created.id} for ${created.user} (${created.name}); it is shown only now`);
    });

  token
    .command('list')
    .description('List tokens (admins see everyone’s; others their own; through --server an admin token is needed).')
    .option('-u, --user <name>', 'only this user’s tokens')
    .option('--as <name>', 'who is asking (default: OPSBOOK_USER)')
    .option('--json', 'print JSON')
    .option('-c, --config <path>', 'ops.yaml or a directory of YAML files')
    .option('--server <url>', SERVER_HELP)
    .option('--token <token>', TOKEN_HELP)
    .action(async (opts: { user?: string; as?: string; json?: boolean; config?: string } & RemoteOpts) => {
      const remote = remoteFrom(opts, io.env);
      let rows: TokenInfo[];
      if (remote) rows = (await callApi<{ tokens: TokenInfo[] }>(remote, 'GET', `/api/tokens${opts.user ? `?user=${encodeURIComponent(opts.user)}` : ''}`)).tokens;
      else {
        const local = await openLocal(opts.config, io.env);
        try {
          const actor = await cliActor(local.config, opts.as, io.env);
          const { listTokenInfo } = await import('../../identity/index.js');
          rows = await listTokenInfo({ ...local, users: local.config.users }, actor, opts.user, '--user');
        } finally {
          await local.close();
        }
      }
      if (opts.json) {
        io.out(JSON.stringify(rows, null, 2));
        return;
      }
      io.out(['ID', 'USER', 'NAME', 'CREATED', 'LAST USED', 'REVOKED'].join('\t'));
      for (const r of rows) io.out([r.id, r.user_name, r.name, iso(r.created_at), iso(r.last_used_at), iso(r.revoked_at)].join('\t'));
    });

  token
    .command('revoke <id>')
    .description('Revoke a token; it is refused from then on.')
    .option('--as <name>', 'who is revoking (default: OPSBOOK_USER)')
    .option('-c, --config <path>', 'ops.yaml or a directory of YAML files')
    .option('--server <url>', SERVER_HELP)
    .option('--token <token>', TOKEN_HELP)
    .action(async (id: string, opts: { as?: string; config?: string } & RemoteOpts) => {
      const remote = remoteFrom(opts, io.env);
      if (remote) await callApi(remote, 'POST', `/api/tokens/${encodeURIComponent(id)}/revoke`);
      else {
        const local = await openLocal(opts.config, io.env);
        try {
          const actor = await cliActor(local.config, opts.as, io.env);
          const { revokeTokenById } = await import('../../identity/index.js');
          await revokeTokenById({ ...local, users: local.config.users }, actor, id);
        } finally {
          await local.close();
        }
      }
      io.out(`revoked ${id}`);
    });
};
