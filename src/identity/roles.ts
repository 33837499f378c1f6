/** Roles in increasing power: each role can do everything the ones before it can. */
export const ROLES = ['viewer', 'responder', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function roleAllows(held: Role, needed: Role): boolean {
  return ROLES.indexOf(held) >= ROLES.indexOf(needed);
}

/** Who did something. Every domain action records one. */
export interface Actor {
  /** A configured user's name, or `system:<component>` for opsbook's own actions. */
  name: string;
  role: Role;
  /** How the actor proved who they are. */
  via: 'cli' | 'token' | 'session' | 'link' | 'system';
}

export function systemActor(component: string): Actor {
  return { name: `system:${component}`, role: 'admin', via: 'system' };
}
