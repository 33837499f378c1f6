import type { FastifyRequest } from 'fastify';
import type { Daemon } from '../daemon/index.js';
import { mayWriteFor, serviceView, type Actor } from '../identity/index.js';
import { OpsbookError } from '../lib/errors/index.js';
import { auditDenied } from './auth.js';

/**
 * The services a list shows the caller (see `serviceView`): `team` is the `?team=` of the request.
 * An unknown team id is the caller's mistake, answered 400 naming the known ones.
 */
export function teamView(daemon: Daemon, actor: Actor, team: string | undefined): { visible: string[]; owned: string[] } | undefined {
  const teams = daemon.config.teams;
  if (team !== undefined && team !== 'all' && !teams.some((t) => t.id === team)) {
    throw new OpsbookError('OPSBOOK_E_REQUEST_INVALID', `no team "${team}" (known: all, ${teams.map((t) => t.id).join(', ') || 'none configured'})`, { location: { path: 'query.team' } });
  }
  return serviceView(teams, actor.name, team);
}

/**
 * Refuses a change to an incident of a service whose team restricts writes, unless the caller is in
 * that team or an admin. The refusal is audited like a role refusal.
 */
export async function enforceTeamWrite(daemon: Daemon, request: FastifyRequest, actor: Actor, service: string | undefined): Promise<void> {
  const verdict = mayWriteFor(daemon.config.teams, actor, service);
  if (verdict.ok) return;
  await auditDenied(daemon, request, actor, { team: verdict.team, service });
  throw new OpsbookError('OPSBOOK_E_FORBIDDEN', `service ${service} belongs to team ${verdict.team}, which restricts changes to its members; ${actor.name} is not one`);
}
