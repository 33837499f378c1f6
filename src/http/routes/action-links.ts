import { z } from 'zod';
import type { Daemon } from '../../daemon/index.js';
import { verifyActionToken } from '../../notify/index.js';
import { OpsbookError } from '../../lib/errors/index.js';
import { roleAllows, type Actor } from '../../identity/index.js';
import { INCIDENT_STATES } from '../../incidents/index.js';
import { htmlPage, route, type RouteTable } from '../routes.js';
import { operationsOf } from './operations.js';

/**
 * Who acts through a link: the person it was sent to, who must still be in `users:` with a role
 * that may respond. A link sent to a channel (no person) acts as `link` with the responder role.
 */
function linkActor(daemon: Daemon, user: string | undefined): Actor {
  if (user === undefined) return { name: 'link', role: 'responder', via: 'link' };
  const known = daemon.config.users.find((u) => u.name === user);
  if (!known) throw new OpsbookError('OPSBOOK_E_ACTION_LINK', `this link does not work: it names ${user}, who is not in users:`);
  if (!roleAllows(known.role, 'responder')) throw new OpsbookError('OPSBOOK_E_FORBIDDEN', `${user} (${known.role}) may not acknowledge or resolve incidents`);
  return { name: user, role: known.role, via: 'link' };
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Acknowledge and resolve links from notifications. The link's token is signed and expires, so it
 * works without logging in. Opening the link (GET) only shows a button: mail scanners and link
 * previews fetch links, and must not acknowledge an incident by doing so. The button POSTs.
 */
export function actionLinkRoutes(daemon: Daemon): RouteTable {
  const claims = (token: string) => {
    const checked = verifyActionToken(token, operationsOf(daemon).actionKey, daemon.clock);
    if (!checked.ok) throw new OpsbookError('OPSBOOK_E_ACTION_LINK', `this link does not work: ${checked.reason.replace('_', ' ')}`);
    return checked.claims;
  };
  const params = z.object({ token: z.string().min(10).max(4096) });
  return [
    route({
      method: 'GET',
      url: '/a/:token',
      access: 'public',
      summary: 'A signed acknowledge/resolve link: shows what it will do and a button to do it.',
      tags: ['incidents'],
      produces: ['text/html'],
      params,
      handler: async ({ params: p, reply }) => {
        const c = claims(p.token);
        const incident = await operationsOf(daemon).incidents.get(c.incidentId);
        const verb = c.action === 'acknowledge' ? 'Acknowledge' : 'Resolve';
        void reply.type('text/html; charset=utf-8');
        return htmlPage(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${verb} ${esc(incident.title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="color-scheme" content="light dark"></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem"><main>
<h1>${verb} incident</h1><p><strong>${esc(incident.severity)}</strong> ${esc(incident.title)} — now <em>${esc(incident.state)}</em></p>
<form method="post"><button type="submit" style="font-size:1.2rem;padding:.6rem 1.2rem">${verb}</button></form></main></body></html>`);
      },
    }),
    route({
      method: 'POST',
      url: '/a/:token',
      access: 'public',
      summary: 'Carry out a signed acknowledge/resolve link (the signed token is the credential). A page for `Accept: text/html`, else JSON.',
      tags: ['incidents'],
      produces: ['application/json', 'text/html'],
      params,
      response: z.object({ incident: z.string(), state: z.enum(INCIDENT_STATES), already: z.boolean().describe('The incident was already there') }),
      handler: async ({ params: p, request, reply }) => {
        const c = claims(p.token);
        const actor = linkActor(daemon, c.user);
        const ops = operationsOf(daemon);
        const current = await ops.incidents.get(c.incidentId);
        // A link acts on the opening of the incident it was sent for (links made before epochs count as the first).
        if ((c.epoch ?? 0) !== current.reopened) {
          throw new OpsbookError('OPSBOOK_E_ACTION_LINK_STALE', `this link was sent before incident ${current.id} re-opened; it is now ${current.state}: open the incident to act on it`);
        }
        const done = c.action === 'acknowledge' ? current.state !== 'triggered' : current.state === 'resolved' || current.state === 'reviewed';
        const incident = done ? current : await ops.act(c.incidentId, c.action, actor, 'via notification link');
        if ((request.headers.accept ?? '').includes('text/html')) {
          void reply.type('text/html; charset=utf-8');
          // Where to go next from the phone: the incident's page (its timeline, runbook and next page; behind sign-in).
          const page = `/incidents/${encodeURIComponent(incident.id)}`;
          const what = done ? `The incident was already <strong>${esc(incident.state)}</strong>: nothing changed.` : `The incident is now <strong>${esc(incident.state)}</strong>.`;
          return htmlPage(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(incident.state)} — ${esc(incident.title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="color-scheme" content="light dark"></head><body style="font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem">
<main><h1>${esc(incident.title)}</h1><p>${what}</p><p><a href="${esc(page)}">Open the incident</a> for its timeline and runbook.</p></main></body></html>`);
        }
        return { incident: incident.id, state: incident.state, already: done };
      },
    }),
  ];
}
