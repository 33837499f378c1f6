import type { Daemon } from '../../../daemon/index.js';
import type { Role } from '../../../identity/index.js';
import type { Session } from '../../sessions/index.js';
import { html, type Html } from '../html.js';
import { page, type NavKey } from '../layout.js';

/** A way on from an error page. */
export interface WayOn {
  href: string;
  label: string;
}

/** What the UI shows one by one, with the list each belongs to: a page that cannot find one offers its list. */
const LISTS = {
  execution: { title: 'Execution not found', nav: 'executions', list: { href: '/executions?team=all', label: 'All executions' } },
  incident: { title: 'Incident not found', nav: 'incidents', list: { href: '/incidents', label: 'All incidents' } },
  check: { title: 'Check not found', nav: 'checks', list: { href: '/checks', label: 'All checks' } },
} as const satisfies Record<string, { title: string; nav: NavKey; list: WayOn }>;

export type Findable = keyof typeof LISTS;

/** The kind of thing a UI address is about (`/executions/ID…` → execution), when it is one of those with a list. */
export function findableOf(url: string): Findable | undefined {
  const first = /^\/(executions|incidents|checks)\/[^/?#]/.exec(url)?.[1];
  return first === 'executions' ? 'execution' : first === 'incidents' ? 'incident' : first === 'checks' ? 'check' : undefined;
}

/** The list a thing of `kind` belongs to, first, then the overview. */
export function waysFor(kind: Findable | undefined): WayOn[] {
  return [...(kind ? [LISTS[kind].list] : []), { href: '/', label: 'Back to the overview' }];
}

function waysOn(ways: readonly WayOn[], status: number): Html {
  return html`<nav aria-label="Ways on"><ul class="ways-on">${ways.map((w) => html`<li><a href="${w.href}">${w.label}</a></li>`)}${status === 401 ? html`<li><a href="/login">Sign in</a></li>` : ''}</ul></nav>`;
}

export function errorPage(daemon: Daemon, session: Session | undefined, status: number, title: string, message: string | Html, ways: readonly WayOn[] = waysFor(undefined)): Html {
  return page(daemon, {
    title,
    session,
    nav: 'none',
    body: html`<p class="notice error" role="alert">${message}</p>${waysOn(ways, status)}`,
  });
}

/**
 * A thing of `kind` the UI has no `id` of (its page answers 404): says so, and offers its list.
 * `refused`: the refusal of a form posted about it, carried to its page (say, a role the person lacks).
 */
export function notFoundPage(daemon: Daemon, session: Session | undefined, kind: Findable, what: Html, refused?: Html): Html {
  const { title, nav } = LISTS[kind];
  return page(daemon, {
    title,
    session,
    nav,
    body: html`${refused ?? ''}<p class="notice error" role="alert">No ${what}.</p>${waysOn(waysFor(kind), 404)}`,
  });
}

/** Why a person's role does not reach a page or action: the role it needs, theirs, and who can change it. */
export function roleNeeded(daemon: Daemon, name: string, held: Role, needed: Role): string {
  const admins = daemon.config.users.filter((u) => u.role === 'admin').map((u) => u.name);
  const higher = needed === 'admin' ? 'admin' : `${needed} or admin`;
  return `This needs the ${needed} role (${higher}); ${name} is a ${held}.${admins.length ? ` An admin (${admins.join(', ')}) can change roles in the users: of ops.yaml.` : ''}`;
}
