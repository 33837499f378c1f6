import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Daemon } from '../daemon/index.js';
import { inServiceView, mayWriteFor, serviceView, type Actor } from '../identity/index.js';
import { OpsbookError } from '../lib/errors/index.js';
import { auditDenied } from './auth.js';

/** The `?team=` of a list route. */
export const TEAM_QUERY = z.string().optional().describe('`all` for every team’s, or a team id; default: the caller’s teams’ (and what no team owns).');

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

/**
 * The `?team=` view as a test on a thing's service, for the lists read from memory or filtered after
 * the read (checks, executions, silences, the overview). Unknown team ids are refused as in `teamView`.
 */
export function teamFilter(daemon: Daemon, actor: Actor, team: string | undefined): (service: string | null | undefined) => boolean {
  const view = teamView(daemon, actor, team);
  return (service) => inServiceView(view, service);
}

/** The services a silence's matchers name exactly (`service="pay"`); a silence naming none belongs to no team. */
export function silenceServices(matchers: ReadonlyArray<{ label: string; op: string; value: string }>): string[] {
  return matchers.filter((m) => m.label === 'service' && m.op === '=').map((m) => m.value);
}

/** A silence is shown when one of the services it names is (or it names none). */
export function silenceShown(show: (service: string | undefined) => boolean, matchers: ReadonlyArray<{ label: string; op: string; value: string }>): boolean {
  const services = silenceServices(matchers);
  return services.length === 0 || services.some((s) => show(s));
}

/** Refuses a silence on a service of a team that restricts writes, unless the caller may write there. */
export async function enforceSilenceWrite(daemon: Daemon, request: FastifyRequest, actor: Actor, matchers: ReadonlyArray<{ label: string; op: string; value: string }>): Promise<void> {
  for (const service of silenceServices(matchers)) await enforceTeamWrite(daemon, request, actor, service);
}
