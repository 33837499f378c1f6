import type { FastifyReply, FastifyRequest } from 'fastify';
import { authenticateToken, roleAllows, type Actor, type Role } from '../identity/index.js';
import { OpsbookError } from '../lib/errors/index.js';
import { appendAudit } from '../store/index.js';
import type { Daemon } from '../daemon/index.js';
import { csrfMatches, sessionCookieName, webAuthFor, type Session } from './sessions/index.js';

/** Who may call a route: nobody needs to sign in (`public`), or at least this role. */
export type RouteAccess = 'public' | Role;

declare module 'fastify' {
  interface FastifyRequest {
    actor?: Actor;
    /** The browser session the request came with, when it came with one. */
    session?: Session;
  }
}

/** The header API clients running in a signed-in browser send the session's CSRF token in. */
export const CSRF_HEADER = 'x-csrf-token';

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  return m?.[1];
}

/** The browser session named by the request's cookie, if it is live. */
export async function sessionOf(daemon: Daemon, request: FastifyRequest): Promise<Session | undefined> {
  if (request.session) return request.session;
  const id = request.cookies?.[sessionCookieName(daemon)];
  const session = await webAuthFor(daemon).sessions.lookup(id);
  if (session) request.session = session;
  return session;
}

/** Refuses an actor below `role`; the refusal is audited, so probing for rights leaves a trace. */
async function enforce(daemon: Daemon, request: FastifyRequest, actor: Actor, role: Role): Promise<void> {
  if (roleAllows(actor.role, role)) return;
  await auditDenied(daemon, request, actor, { needed: role });
  throw new OpsbookError('OPSBOOK_E_FORBIDDEN', `${actor.name} has role ${actor.role}; this needs ${role}`);
}

/**
 * An `access.denied` audit entry naming the route and why (the role needed, or the team that
 * restricts writes); a failure to write it never hides the 403.
 */
export async function auditDenied(daemon: Daemon, request: FastifyRequest, actor: Actor, why: { needed: Role } | { team: string; service: string | undefined }): Promise<void> {
  const route = request.routeOptions.url ?? request.url.split('?')[0];
  await appendAudit(daemon.store.db, daemon.store.dialect, {
    at: daemon.clock.now(),
    actor: actor.name,
    action: 'access.denied',
    subject: `route:${request.method} ${route}`,
    details: { role: actor.role, ...why, via: actor.via },
  }).catch((e: unknown) => daemon.logger.warn({ err: e }, 'could not audit a refused request'));
}

/**
 * A preHandler for API routes: a bearer token, or a browser session cookie together with the
 * session's CSRF token in X-CSRF-Token (a cookie alone is what a forged cross-site request carries).
 */
export function requireRole(daemon: Daemon, role: Role) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const token = bearer(request);
    if (token) {
      const actor = await authenticateToken({ store: daemon.store, clock: daemon.clock, users: daemon.config.users }, token);
      await enforce(daemon, request, actor, role);
      request.actor = actor;
      return;
    }
    const session = await sessionOf(daemon, request);
    if (!session) throw new OpsbookError('OPSBOOK_E_AUTH_REQUIRED', 'send an API token as "Authorization: Bearer TOKEN"');
    if (!csrfMatches(session.csrf, request.headers[CSRF_HEADER])) {
      throw new OpsbookError('OPSBOOK_E_CSRF_INVALID', `a session cookie on the API needs the session's CSRF token in the ${CSRF_HEADER} header`);
    }
    await enforce(daemon, request, session.actor, role);
    request.actor = session.actor;
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** What a UI preHandler found wrong; the UI turns it into a redirect or an HTML page. */
export type UiDenial = 'signin' | 'forbidden' | 'csrf';

/**
 * Authenticates a UI request by its session and checks the role, and on every state-changing
 * request the CSRF token from the form field `_csrf` (or the X-CSRF-Token header). Returns why the
 * request is refused, or undefined with `request.actor` set.
 */
export async function checkUiAccess(daemon: Daemon, request: FastifyRequest, role: Role): Promise<UiDenial | undefined> {
  const session = await sessionOf(daemon, request);
  if (!session) return 'signin';
  request.actor = session.actor;
  if (!SAFE_METHODS.has(request.method)) {
    const field = (request.body as Record<string, unknown> | undefined)?._csrf;
    if (!csrfMatches(session.csrf, field ?? request.headers[CSRF_HEADER])) return 'csrf';
  }
  if (!roleAllows(session.actor.role, role)) {
    await auditDenied(daemon, request, session.actor, { needed: role });
    return 'forbidden';
  }
  return undefined;
}
