import { appendAudit } from '../../../store/index.js';
import { sessionCookieName, sessionCookieOptions, webAuthFor } from '../../sessions/index.js';
import { CALLBACK_PATH, OIDC_COOKIE, OIDC_COOKIE_MAX_AGE_S, type PendingSignIn } from '../../sessions/oidc.js';
import { errorPage } from './error.js';
import { localPath, sendPage, type UiContext, type UiResult, type UiRoute } from '../route.js';

function pendingCookieOptions(ctx: UiContext, maxAgeS?: number) {
  return { ...sessionCookieOptions(ctx.daemon), path: '/login/oidc', ...(maxAgeS !== undefined ? { maxAge: maxAgeS } : {}) };
}

function readPending(value: string | undefined): PendingSignIn | undefined {
  if (!value) return undefined;
  try {
    const p = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Partial<PendingSignIn>;
    return typeof p.state === 'string' && typeof p.nonce === 'string' && typeof p.verifier === 'string' && typeof p.next === 'string' ? (p as PendingSignIn) : undefined;
  } catch {
    return undefined;
  }
}

async function start(ctx: UiContext): Promise<UiResult> {
  const { daemon, query, reply } = ctx;
  const oidc = daemon.config.auth.oidc;
  if (!oidc) return sendPage(reply, 404, errorPage(daemon, undefined, 404, 'Single sign-on is off', 'This opsbook has no auth.oidc provider configured; sign in with your password.'));
  const { startSignIn } = await import('../../sessions/oidc.js');
  let started: Awaited<ReturnType<typeof startSignIn>>;
  try {
    started = await startSignIn(oidc, daemon.config.server.public_url, localPath(query.next));
  } catch (e) {
    daemon.logger.warn({ err: e, issuer: oidc.issuer }, 'single sign-on: the identity provider cannot be reached');
    return sendPage(reply, 502, errorPage(daemon, undefined, 502, 'Sign-in provider unavailable', `opsbook could not reach ${oidc.issuer}. Try again, or sign in with a local password if you have one.`));
  }
  void reply.setCookie(OIDC_COOKIE, Buffer.from(JSON.stringify(started.pending)).toString('base64url'), pendingCookieOptions(ctx, OIDC_COOKIE_MAX_AGE_S));
  return { redirect: started.url };
}

async function callback(ctx: UiContext): Promise<UiResult> {
  const { daemon, request, reply } = ctx;
  const oidc = daemon.config.auth.oidc;
  if (!oidc) return sendPage(reply, 404, errorPage(daemon, undefined, 404, 'Single sign-on is off', 'This opsbook has no auth.oidc provider configured.'));
  const pending = readPending(request.cookies[OIDC_COOKIE]);
  void reply.clearCookie(OIDC_COOKIE, pendingCookieOptions(ctx));
  if (!pending) return sendPage(reply, 400, errorPage(daemon, undefined, 400, 'Sign-in expired', 'This sign-in took too long or started in another browser. Start again.'));
  const { finishSignIn } = await import('../../sessions/oidc.js');
  const url = new URL(request.url, daemon.config.server.public_url);
  const at = daemon.clock.now();
  let outcome: Awaited<ReturnType<typeof finishSignIn>>;
  try {
    outcome = await finishSignIn(oidc, daemon.config.users, new URL(`${daemon.config.server.public_url}${CALLBACK_PATH}${url.search}`), pending);
  } catch (e) {
    daemon.logger.warn({ err: e }, 'single sign-on did not complete');
    await appendAudit(daemon.store.db, daemon.store.dialect, { at, actor: `anonymous@${request.ip}`, action: 'session.login_failed', subject: 'oidc', details: { ip: request.ip, error: (e as Error).message.slice(0, 200) } });
    return sendPage(reply, 400, errorPage(daemon, undefined, 400, 'Sign-in did not complete', `The identity provider’s answer was refused: ${(e as Error).message}`));
  }
  if (!outcome.ok) {
    await appendAudit(daemon.store.db, daemon.store.dialect, { at, actor: `anonymous@${request.ip}`, action: 'session.login_refused', subject: `user:${outcome.name}`, details: { ip: request.ip, via: 'oidc', groups: outcome.groups } });
    return sendPage(reply, 403, errorPage(daemon, undefined, 403, 'Not allowed', `${outcome.name} signed in, but is in none of the groups that may use opsbook (${Object.keys(oidc.roles).join(', ')}). Ask an admin to add you to one.`));
  }
  const created = await webAuthFor(daemon).sessions.create(
    outcome.name,
    { ip: request.ip, userAgent: request.headers['user-agent'] ?? '' },
    { role: outcome.role },
    { at, actor: outcome.name, action: 'session.login', subject: `user:${outcome.name}`, details: { ip: request.ip, via: 'oidc', role: outcome.role, groups: outcome.groups } },
  );
  void reply.setCookie(sessionCookieName(daemon), created.id, sessionCookieOptions(daemon, created.session.expiresAt - daemon.clock.now()));
  return { redirect: pending.next };
}

export function oidcRoutes(): UiRoute[] {
  return [
    { method: 'GET', url: '/login/oidc', access: 'public', summary: 'Single sign-on: redirects to the OpenID Connect provider (auth.oidc).', handler: start },
    { method: 'GET', url: CALLBACK_PATH, access: 'public', summary: 'Single sign-on: the provider sends the browser back here with a code.', handler: callback },
  ];
}
