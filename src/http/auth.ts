import type { FastifyReply, FastifyRequest } from 'fastify';
import { authenticateToken, roleAllows, type Actor, type Role } from '../identity/index.js';
import { OpsbookError } from '../lib/errors/index.js';
import type { Daemon } from '../daemon/index.js';

/** Who may call a route: nobody needs to sign in (`public`), or at least this role. */
export type RouteAccess = 'public' | Role;

declare module 'fastify' {
  interface FastifyRequest {
    actor?: Actor;
  }
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  return m?.[1];
}

/** A preHandler that authenticates the bearer token and enforces the route's role. */
export function requireRole(daemon: Daemon, role: Role) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const token = bearer(request);
    if (!token) throw new OpsbookError('OPSBOOK_E_AUTH_REQUIRED', 'send an API token as "Authorization: Bearer TOKEN"');
    const actor = await authenticateToken({ store: daemon.store, clock: daemon.clock, users: daemon.config.users }, token);
    if (!roleAllows(actor.role, role)) {
      throw new OpsbookError('OPSBOOK_E_FORBIDDEN', `${actor.name} has role ${actor.role}; this needs ${role}`);
    }
    request.actor = actor;
  };
}
