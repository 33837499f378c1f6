import { OpsbookError } from '../../lib/errors/index.js';
import type { RegisterCommands } from '../context.js';
import { cliActor, openLocal } from '../local.js';
import { callApi, remoteFrom } from '../remote.js';

/** Reads a password without echoing it: twice from a terminal, else the first line of stdin. */
async function readPassword(prompt: (text: string) => void): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    let text = '';
    for await (const chunk of stdin) text += String(chunk);
    return text.split(/\r?\n/)[0] ?? '';
  }
  const ask = (label: string) =>
    new Promise<string>((resolve, reject) => {
      prompt(label);
      let typed = '';
      stdin.setRawMode(true);
      stdin.resume();
      stdin.setEncoding('utf8');
      const onData = (key: string) => {
        for (const ch of key) {
          if (ch === '\r' || ch === '\n') {
            done();
            process.stderr.write('\n');
            resolve(typed);
            return;
          }
          if (ch === '\u0003') {
            done();
            reject(new OpsbookError('OPSBOOK_E_USAGE', 'cancelled'));
            return;
          }
          typed = ch === '\u007f' || ch === '\b' ? typed.slice(0, -1) : typed + ch;
        }
      };
      const done = () => {
        stdin.off('data', onData);
        stdin.setRawMode(false);
        stdin.pause();
      };
      stdin.on('data', onData);
    });
  const first = await ask('New password: ');
  const again = await ask('Again: ');
  if (first !== again) throw new OpsbookError('OPSBOOK_E_USAGE', 'the two passwords differ; nothing was changed');
  return first;
}

/** `opsbook user passwd NAME`: sets a person's web UI password (stored as an scrypt hash). */
export const registerUser: RegisterCommands = (program, io) => {
  const user = program.command('user').description('People who sign in to the web UI.');
  user
    .command('passwd')
    .description('Set a user’s web UI password: read from the terminal (twice, not echoed) or the first line of stdin; only its scrypt hash is stored. Ends the user’s open sessions.')
    .argument('<name>', 'a user from users:')
    .option('--as <name>', 'who is setting it (default: OPSBOOK_USER, else NAME itself)')
    .option('-c, --config <path>', 'ops.yaml or a directory of YAML files')
    .option('--server <url>', 'a running opsbook to act through, with an admin token (default: OPSBOOK_SERVER; else the local store)')
    .option('--token <token>', 'API token for --server (default: OPSBOOK_TOKEN)')
    .action(async (name: string, opts: { as?: string; config?: string; server?: string; token?: string }) => {
      const remote = remoteFrom(opts, io.env);
      if (remote) {
        const password = await readPassword((text) => process.stderr.write(text));
        const set = await callApi<{ user: string; ended_sessions: number }>(remote, 'POST', `/api/users/${encodeURIComponent(name)}/password`, { password });
        io.out(`password set for ${set.user}${set.ended_sessions ? `; ended ${set.ended_sessions} open session(s)` : ''}`);
        process.exitCode = 0;
        return;
      }
      const local = await openLocal(opts.config, io.env);
      try {
        const actor = await cliActor(local.config, opts.as, io.env, name);
        const { findUser } = await import('../../identity/index.js');
        findUser(local.config.users, name);
        const password = await readPassword((text) => process.stderr.write(text));
        const { setUserPassword } = await import('../../http/sessions/index.js');
        const { endedSessions } = await setUserPassword({ store: local.store, clock: local.clock, users: local.config.users }, actor, name, password);
        io.out(`password set for ${name}${endedSessions ? `; ended ${endedSessions} open session(s)` : ''}`);
        process.exitCode = 0;
      } finally {
        await local.close();
      }
    });
};
