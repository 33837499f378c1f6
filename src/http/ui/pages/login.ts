import type { Daemon } from '../../../daemon/index.js';
import { login, sessionCookieName, sessionCookieOptions, webAuthFor } from '../../sessions/index.js';
import { html, type Html } from '../html.js';
import { page } from '../layout.js';
import { oidcRoutes } from './login-oidc.js';
import { localPath, sendPage, type UiContext, type UiResult, type UiRoute } from '../route.js';

function loginPage(daemon: Daemon, next: string, problem?: string, username = ''): Html {
  const { oidc, passwords } = daemon.config.auth;
  const sso = oidc ? html`<p><a class="button" href="/login/oidc?next=${encodeURIComponent(next)}">Sign in with ${oidc.label}</a></p>` : '';
  return page(daemon, {
    title: 'Sign in',
    session: undefined,
    body: html`
${problem ? html`<p class="notice error" role="alert" id="login-problem">${problem}</p>` : ''}
${sso}
${passwords ? passwordForm(next, problem, username) : ''}`,
  });
}

function passwordForm(next: string, problem: string | undefined, username: string): Html {
  return html`<form class="login" method="post" action="/login"${problem ? html` aria-describedby="login-problem"` : ''}>
  <input type="hidden" name="next" value="${next}">
  <p><label for="username">User name</label>
  <input id="username" name="username" autocomplete="username" required value="${username}" autofocus></p>
  <p><label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required></p>
  <p><button type="submit">Sign in</button></p>
</form>
<p class="hint">No password yet? An admin sets one for you.</p>`;
}

/**
 * A cross-site form posting to /login would sign the victim in as the attacker (login CSRF); a
 * browser names the form's origin, so refuse any other than ours.
 */
function sameOrigin(ctx: UiContext): boolean {
  const origin = ctx.request.headers.origin;
  if (!origin || origin === 'null') return origin === undefined;
  const host = ctx.request.headers.host;
  try {
    const o = new URL(origin);
    return o.host === host || o.origin === new URL(ctx.daemon.config.server.public_url).origin;
  } catch {
    return false;
  }
}

async function postLogin(ctx: UiContext): Promise<UiResult> {
  const { daemon, form, reply } = ctx;
  const next = localPath(form.next);
  if (!sameOrigin(ctx)) return sendPage(reply, 403, loginPage(daemon, next, 'This sign-in form came from another site.'));
  if (!daemon.config.auth.passwords) return sendPage(reply, 403, loginPage(daemon, next, 'Password sign-in is turned off here; use single sign-on.'));
  const outcome = await login(webAuthFor(daemon), {
    username: form.username ?? '',
    password: form.password ?? '',
    ip: ctx.request.ip,
    userAgent: ctx.request.headers['user-agent'] ?? '',
  });
  if (!outcome.ok && outcome.reason === 'throttled') {
    const minutes = Math.max(1, Math.ceil(outcome.retryAfterMs / 60_000));
    void reply.header('retry-after', String(Math.ceil(outcome.retryAfterMs / 1000)));
    return sendPage(reply, 429, loginPage(daemon, next, `Too many failed sign-ins. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`, form.username));
  }
  if (!outcome.ok) return sendPage(reply, 401, loginPage(daemon, next, 'Wrong user name or password.', form.username));
  void reply.setCookie(sessionCookieName(daemon), outcome.id, sessionCookieOptions(daemon, outcome.session.expiresAt - daemon.clock.now()));
  return { redirect: next };
}

export function loginRoutes(): UiRoute[] {
  return [
    ...oidcRoutes(),
    {
      method: 'GET',
      url: '/login',
      access: 'public',
      summary: 'The sign-in form.',
      handler: ({ daemon, query }) => loginPage(daemon, localPath(query.next)),
    },
    { method: 'POST', url: '/login', access: 'public', summary: 'Sign in with user name and password (rate-limited).', handler: postLogin },
    {
      method: 'POST',
      url: '/logout',
      access: 'viewer',
      summary: 'Sign out: ends this session.',
      handler: async ({ daemon, request, reply }) => {
        const name = sessionCookieName(daemon);
        await webAuthFor(daemon).sessions.destroy(request.cookies[name]);
        void reply.clearCookie(name, sessionCookieOptions(daemon));
        return { redirect: '/login' };
      },
    },
  ];
}
