import type { Actor } from './roles.js';

/** The part of a configured team that identity needs. */
export interface TeamRecord {
  id: string;
  members: readonly string[];
  services: readonly string[];
  escalation_policy?: string | undefined;
  restrict_writes: boolean;
}

/** The teams a person is in. */
export function teamsOf(teams: readonly TeamRecord[], person: string): TeamRecord[] {
  return teams.filter((t) => t.members.includes(person));
}

/** The team that owns a service, if one does. */
export function owningTeam(teams: readonly TeamRecord[], service: string | undefined): TeamRecord | undefined {
  return service === undefined ? undefined : teams.find((t) => t.services.includes(service));
}

/**
 * Which services' incidents a list shows a person: `all` shows every one; a team id shows that
 * team's; by default (`undefined`) a person in teams sees their teams'. Incidents of services no
 * team owns (and without a service) are always shown: someone must see them. Answers undefined
 * when nothing is filtered.
 */
export function serviceView(teams: readonly TeamRecord[], person: string, team: string | undefined): { visible: string[]; owned: string[] } | undefined {
  if (team === 'all' || teams.length === 0) return undefined;
  const chosen = team !== undefined ? teams.filter((t) => t.id === team) : teamsOf(teams, person);
  if (team === undefined && chosen.length === 0) return undefined;
  return { visible: chosen.flatMap((t) => t.services), owned: teams.flatMap((t) => t.services) };
}

/**
 * Whether a person may change an incident of `service`: always, unless the owning team has
 * `restrict_writes` and the person is neither in it nor an admin. opsbook's own actors may.
 */
export function mayWriteFor(teams: readonly TeamRecord[], actor: Actor, service: string | undefined): { ok: true } | { ok: false; team: string } {
  const team = owningTeam(teams, service);
  if (!team?.restrict_writes || actor.role === 'admin' || actor.via === 'system' || team.members.includes(actor.name)) return { ok: true };
  return { ok: false, team: team.id };
}

/**
 * Whether a list filtered by `view` (see `serviceView`) shows a thing of `service`: a thing of a
 * service no team owns, or of no service, is always shown. The incident list applies the same rule
 * in its query.
 */
export function inServiceView(view: { visible: readonly string[]; owned: readonly string[] } | undefined, service: string | null | undefined): boolean {
  if (!view || service === undefined || service === null) return true;
  return view.visible.includes(service) || !view.owned.includes(service);
}
