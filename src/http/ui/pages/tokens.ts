import { createToken, listTokenInfo, revokeTokenById } from '../../../identity/index.js';
import type { Daemon } from '../../../daemon/index.js';
import { scrollingTable, when } from '../components.js';
import { html, type Html } from '../html.js';
import { csrfField, page } from '../layout.js';
import type { Session } from '../../sessions/index.js';
import type { UiContext, UiResult, UiRoute } from '../route.js';
import { refusalNotice, refusedFields, type NamedField, type Refusal } from '../refusal.js';

/** The New token form's fields a refusal may name. */
const TOKEN_FIELDS: Record<string, NamedField> = { user: { id: 'token-user', label: 'For' }, name: { id: 'token-name', label: 'Name' } };

const deps = (daemon: Daemon) => ({ store: daemon.store, clock: daemon.clock, users: daemon.config.users });

async function tokensPage(ctx: UiContext, created?: { token: string; user: string; name: string }): Promise<Html> {
  const { daemon, session, actor, refusal } = ctx;
  const tokens = await listTokenInfo(deps(daemon), actor!);
  // A refused New token form is shown in that form with what was typed; a refused Revoke above the list.
  return page(daemon, {
    title: 'API tokens',
    session,
    nav: 'tokens',
    body: html`${created
      ? html`<div class="notice card" role="status"><p>Token <strong>${created.name}</strong> for ${created.user} — copy it now, it is not shown again:</p>
<p><code class="token-secret" id="new-token">${created.token}</code></p></div>`
      : ''}
${refusal && refusal.form !== 'create' ? refusalNotice(refusal) : ''}
${createForm(daemon, session, refusal?.form === 'create' ? refusal : undefined)}
<section class="card" aria-labelledby="h-tokens"><h2 id="h-tokens">Tokens</h2>
${tokens.length
  ? scrollingTable('Tokens', html`<table><thead><tr><th scope="col">Name</th><th scope="col">User</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">State</th></tr></thead>
<tbody>${tokens.map((t) => html`<tr data-token="${t.id}"><th scope="row">${t.name}</th><td>${t.user_name}</td><td>${when(t.created_at)} by ${t.created_by}</td><td>${when(t.last_used_at)}</td><td>${t.revoked_at !== null
    ? html`revoked ${when(t.revoked_at)} by ${t.revoked_by ?? ''}`
    : html`<form method="post" action="/tokens/${encodeURIComponent(t.id)}/revoke">${csrfField(session)}<button type="submit" aria-label="Revoke ${t.name} of ${t.user_name}">Revoke</button></form>`}</td></tr>`)}</tbody></table>`)
  : html`<p class="muted">No tokens yet.</p>`}
</section>`,
  });
}

function createForm(daemon: Daemon, session: Session | undefined, refused: Refusal | undefined): Html {
  const { notice, typed, value, mark } = refusedFields(refused, TOKEN_FIELDS);
  return html`<form method="post" action="/tokens" class="card">${csrfField(session)}
<h2>New token</h2>${notice}
<p><label for="token-user">For</label> <select id="token-user" name="user"${mark('token-user')}>${daemon.config.users.map((u) => html`<option${typed('user') === u.name ? html` selected` : ''}>${u.name}</option>`)}</select>
<label for="token-name">Name</label> <input id="token-name" name="name" required maxlength="100" placeholder="grafana"${value('name')}${mark('token-name')}>
<button type="submit">Create token</button></p>
</form>`;
}

export function tokenRoutes(): UiRoute[] {
  return [
    { method: 'GET', url: '/tokens', access: 'admin', summary: 'API tokens: list, create (shown once), revoke.', handler: (ctx) => tokensPage(ctx) },
    {
      method: 'POST',
      url: '/tokens',
      access: 'admin',
      summary: 'Create an API token; the page shows it once (form).',
      handler: async (ctx): Promise<UiResult> => {
        const created = await createToken(deps(ctx.daemon), ctx.actor!, ctx.form.user ?? '', (ctx.form.name ?? '').trim() || 'default');
        void ctx.reply.header('cache-control', 'no-store');
        return tokensPage(ctx, created);
      },
      refusals: () => ({ page: '/tokens', form: 'create', action: 'Create token', keep: ['user', 'name'] }),
    },
    {
      method: 'POST',
      url: '/tokens/:id/revoke',
      access: 'admin',
      summary: 'Revoke an API token (form).',
      handler: async ({ daemon, params, actor }) => {
        await revokeTokenById(deps(daemon), actor!, params.id ?? '');
        return { redirect: '/tokens' };
      },
      refusals: ({ params }) => ({ page: '/tokens', form: 'revoke', action: `Revoke token ${params.id ?? ''}` }),
    },
  ];
}
