import { OpsbookError } from '../lib/errors/index.js';
import type { Actor, Role } from './roles.js';

/** The part of a configured user that identity needs. */
export interface UserRecord {
  name: string;
  role: Role;
}

export function findUser(users: readonly UserRecord[], name: string): UserRecord {
  const user = users.find((u) => u.name === name);
  if (!user) {
    const known = users.map((u) => u.name).join(', ') || 'none configured';
    throw new OpsbookError('OPSBOOK_E_USER_UNKNOWN', `no user named "${name}" in users: (known: ${known})`);
  }
  return user;
}

/**
 * The local CLI acts as the user named by `--as` or OPSBOOK_USER, with that user's role. With
 * neither, it acts as nobody and commands that need a role refuse.
 */
export function resolveCliActor(users: readonly UserRecord[], as: string | undefined, env: NodeJS.ProcessEnv): Actor | undefined {
  const name = as ?? env.OPSBOOK_USER;
  if (!name) return undefined;
  const user = findUser(users, name);
  return { name: user.name, role: user.role, via: 'cli' };
}
