import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Daemon } from '../../daemon/index.js';
import type { Actor } from '../../identity/index.js';
import { checkUiAccess, type RouteAccess } from '../auth.js';
import type { Session } from '../sessions/index.js';
import { Html } from './html.js';
import { errorPage, findableOf, roleNeeded, waysFor } from './pages/error.js';
import { isOpsbookError } from '../../lib/errors/index.js';
import { STATUS_BY_KIND, namedStoreError, retryAfterFor } from '../errors.js';
import { forTheWeb } from './web-words.js';
import { findUnstorableText } from '../validate.js';
import { formRefusal, refuseTo, takeRefusal, type FormPlace, type Refusal } from './refusal.js';

/** What a page handler gets. */
export interface UiContext {
  daemon: Daemon;
  request: FastifyRequest;
  reply: FastifyReply;
  /** The signed-in person; undefined only on public pages. */
  actor: Actor | undefined;
  session: Session | undefined;
  params: Record<string, string>;
  query: Record<string, string>;
  /** Form fields of a POST (application/x-www-form-urlencoded). */
  form: Record<string, string>;
  /** On a page's load: the refusal of one of its forms, carried across the redirect that answered it (see `UiRoute.refusals`). */
  refusal?: Refusal;
}

/** A page or form action: an HTML page, a redirect (POST → 303 → GET), or nothing when the handler replied itself. */
export type UiResult = Html | { redirect: string } | undefined;

/**
 * A web UI route. Like API routes, each declares who may use it, and registration passes the
 * declaration to Fastify's route config, so the route × role walk sees every page and action.
 */
export interface UiRoute {
  method: 'GET' | 'POST';
  url: string;
  access: RouteAccess;
  summary: string;
  handler: (ctx: UiContext) => Promise<UiResult> | UiResult;
  /**
   * A form action's place: the page its form is on. A refusal (a state moved on, a role or team that
   * may not, a field refused, a thing gone; not a lost session, a missing CSRF token or load shed) is
   * then answered with a redirect to that page, which shows it (see refusal.ts), not with a page at
   * the form's address that a reload would post again, nor an error page away from the work.
   */
  refusals?: (ctx: Pick<UiContext, 'daemon' | 'params' | 'form'>) => FormPlace;
  /**
   * For a form whose typed text can be longer than a redirect carries back (a review of many pages):
   * its refusal is answered in place, at the refusal's status, with the page `refusals` names as this
   * renders it given the refusal (the form again, with every character typed). When that page cannot
   * be shown (the thing is gone), the refusal gets the error page.
   */
  refusedInPlace?: (ctx: UiContext & { refusal: Refusal }) => Promise<Html>;
}

function strings(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  }
  return out;
}

/** Only same-site paths: `next=` must not send a signed-in person elsewhere. */
export function localPath(next: string | undefined, fallback = '/'): string {
  return next && /^\/(?![/\\])/.test(next) ? next : fallback;
}

export function registerUiRoutes(app: FastifyInstance, daemon: Daemon, routes: readonly UiRoute[]): void {
  for (const spec of routes) {
    app.route({
      method: spec.method,
      url: spec.url,
      config: { access: spec.access },
      handler: async (request, reply) => {
        const parts = { params: strings(request.params), query: strings(request.query), form: strings(request.body) };
        /**
         * A refusal answered on the form's page (see `UiRoute.refusals`), when the route declares one and
         * a session can carry it: a redirect to it, or that page in place (`UiRoute.refusedInPlace`).
         */
        const refused = async (refusal: Omit<Refusal, 'form' | 'action' | 'kept'>, form: Record<string, string>, inPlace = true): Promise<FastifyReply | undefined> => {
          const place = placeOf(spec, daemon, request);
          if (!place || !request.session) return undefined;
          if (spec.refusedInPlace && inPlace) {
            const ctx = { daemon, request, reply, actor: request.actor, session: request.session, ...parts, refusal: formRefusal(place, refusal, form) };
            // A page that cannot be shown (the thing is gone) leaves the refusal to the error page.
            const shown = await spec.refusedInPlace(ctx).catch((e: unknown) => {
              if (isOpsbookError(namedStoreError(e))) return undefined;
              throw e;
            });
            return shown ? sendPage(reply, refusal.status, shown) : undefined;
          }
          return reply.redirect(refuseTo(daemon, reply, request.session, place, refusal, form).redirect, 303);
        };
        if (spec.access !== 'public') {
          const denial = await checkUiAccess(daemon, request, spec.access);
          if (denial === 'signin') {
            if (request.method === 'GET') return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);
            return sendPage(reply, 401, errorPage(daemon, undefined, 401, 'Sign in first', 'Your session has ended. Sign in again and repeat the action.'));
          }
          if (denial === 'csrf') {
            return sendPage(reply, 403, errorPage(daemon, request.session, 403, 'Form expired', 'This form does not carry your session’s token. Reload the page and try again.'));
          }
          if (denial === 'forbidden') {
            const message = roleNeeded(daemon, request.actor!.name, request.actor!.role, spec.access);
            return (await refused({ status: 403, message }, parts.form)) ?? sendPage(reply, 403, errorPage(daemon, request.session, 403, 'Not allowed', message));
          }
        }
        // Text no store can keep (a NUL, half a surrogate pair) is refused alike on every store, naming where it was.
        for (const [part, value] of Object.entries(parts)) {
          const bad = findUnstorableText(value, part);
          if (!bad) continue;
          const message = `${bad.path} holds ${bad.what}`;
          // A page shown in place gives back what was typed as a browser shows it; a redirect carries none of it.
          const field = part === 'form' ? /^form\.([\w-]+)$/.exec(bad.path)?.[1] : undefined;
          // The page is read with the address's params: only a form's bad text leaves them good enough to show it.
          return (await refused({ status: 400, message, ...(field ? { field } : {}) }, spec.refusedInPlace ? asShown(parts.form) : {}, part === 'form')) ?? sendPage(reply, 400, errorPage(daemon, request.session, 400, 'That did not work', message));
        }
        const refusal = request.method === 'GET' ? takeRefusal(daemon, request, reply, request.session) : undefined;
        let result: UiResult;
        try {
          result = await spec.handler({
          daemon,
          request,
          reply,
          actor: request.actor,
          session: request.session,
          ...parts,
          ...(refusal ? { refusal } : {}),
          });
        } catch (raw) {
          // Errors people can act on become a page; anything else goes to the shared handler and the log.
          const e = namedStoreError(raw);
          if (!isOpsbookError(e) || reply.sent) throw e;
          const status = STATUS_BY_KIND[e.kind];
          // Not a lost session (sign in first) or load shed (try again later: a page load is more work).
          const redirected = status >= 400 && status < 500 && status !== 401 && status !== 429 ? await refused({ status, message: e.message, ...(e.location?.path ? { field: e.location.path } : {}) }, parts.form) : undefined;
          if (redirected) return redirected;
          // A failure on opsbook's side (store down, disk full) is logged with its cause, as the API's are.
          if (status >= 500) request.log.error({ err: e }, 'request failed');
          const retryAfter = retryAfterFor(e, daemon.config);
          if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));
          // A thing that is not there (an execution, an incident, a check): its list is the way on.
          const ways = status === 404 ? waysFor(findableOf(request.url)) : undefined;
          return sendPage(reply, status, errorPage(daemon, request.session, status, 'That did not work', forTheWeb(e.message), ways));
        }
        if (result === undefined) return reply;
        if (result instanceof Html) return sendPage(reply, reply.statusCode, result);
        return reply.redirect(result.redirect, 303);
      },
    });
  }
}

/** Text with what no store keeps (a NUL, half a surrogate pair) as a browser shows it: U+FFFD. */
function asShown(fields: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v.replace(/\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')]));
}

/** Where a form action's form is, when it declares it (POST only). */
function placeOf(spec: UiRoute, daemon: Daemon, request: FastifyRequest): FormPlace | undefined {
  if (spec.method !== 'POST' || !spec.refusals) return undefined;
  return spec.refusals({ daemon, params: strings(request.params), form: strings(request.body) });
}

export function sendPage(reply: FastifyReply, status: number, page: Html): FastifyReply {
  return reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'same-origin')
    .header('x-frame-options', 'DENY')
    .header('content-security-policy', "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
    .send(page.value);
}
