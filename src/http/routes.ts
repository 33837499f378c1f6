import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isOpsbookError, OpsbookError } from '../lib/errors/index.js';
import type { Daemon } from '../daemon/index.js';
import type { Actor } from '../identity/index.js';
import { requireRole, type RouteAccess } from './auth.js';
import { parseRequestPart } from './validate.js';
import { keepRawBody, DEFAULT_BODY_LIMIT } from './raw-body.js';

/** What a handler gets: the request parts already validated by the route's schemas. */
export interface RouteContext<B, Q, P> {
  request: FastifyRequest;
  reply: FastifyReply;
  body: B;
  query: Q;
  params: P;
  /** The authenticated caller; undefined only on public routes. */
  actor: Actor | undefined;
}

/**
 * Every API route declares who may call it and the schemas of what it accepts and returns.
 * Routes are registered only through this table, so the OpenAPI document and the route × role test
 * see every one of them, and a route cannot exist without an access declaration.
 */
/** A page a route answers with instead of JSON (see `produces`). */
export type HtmlPage = string & { readonly __html: true };

export function htmlPage(text: string): HtmlPage {
  return text as HtmlPage;
}

/** Media types a route answers with. */
export type Produces = 'application/json' | 'text/html' | 'text/xml' | 'text/calendar';

export interface RouteSpec<B = unknown, Q = unknown, P = unknown, R = unknown> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  access: RouteAccess;
  summary: string;
  tags?: string[];
  body?: z.ZodType<B>;
  query?: z.ZodType<Q>;
  params?: z.ZodType<P>;
  /**
   * Schema of a successful JSON response: the OpenAPI document is generated from it, and the
   * handler's return type is checked against it. Every JSON route has one.
   */
  response?: z.ZodType<R>;
  /** What a successful response is (default JSON only); an HTML answer is an `htmlPage`. */
  produces?: readonly Produces[];
  /** Status of a successful response (default 200). */
  status?: number;
  /** Largest request body accepted, in bytes (default: the server's 1 MB). */
  bodyLimit?: number;
  /** Keep the body's exact bytes as `request.rawBody` (for senders that sign them: Slack, PagerDuty). */
  rawBody?: boolean;
  handler: (ctx: RouteContext<B, Q, P>) => Promise<NoInfer<R> | HtmlPage> | NoInfer<R> | HtmlPage;
}

// Handlers are checked against their own schemas where they are written (see `route`); the table
// itself holds routes of many shapes.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRoute = RouteSpec<any, any, any, any>;
export type RouteTable = AnyRoute[];

/** Declares a route with its types inferred from its schemas. */
export function route<B = undefined, Q = undefined, P = undefined, R = unknown>(spec: RouteSpec<B, Q, P, R>): RouteSpec<B, Q, P, R> {
  return spec;
}

const REQUEST_PARTS = /^(body|query|params|headers|url)(\.|\[|$)/;

/** The top-level fields a route's body schema names (none when it is not an object). */
function bodyFields(spec: AnyRoute): ReadonlySet<string> {
  if (!spec.body) return new Set();
  const js = z.toJSONSchema(spec.body, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, unknown> };
  return new Set(Object.keys(js.properties ?? {}));
}

/**
 * A refusal from the domain names the field in the domain's words (`severity`, `endsAt`, `id`); when
 * that field is one of the route's path parameters or body fields (as written, or in snake_case), the
 * path says so in the request's words (`params.id`, `body.severity`, `body.ends_at`), as a refusal by
 * the schema would.
 */
function inRequestTerms(e: unknown, spec: AnyRoute): unknown {
  if (!isOpsbookError(e) || e.kind === 'internal' || !e.location?.path || REQUEST_PARTS.test(e.location.path)) return e;
  const path = e.location.path;
  const head = /^[^.[]+/.exec(path)?.[0] ?? '';
  const snake = head.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  const fields = bodyFields(spec);
  const part = spec.url.split('/').includes(`:${head}`) ? `params.${head}` : fields.has(head) ? `body.${head}` : fields.has(snake) ? `body.${snake}` : undefined;
  if (!part) return e;
  return new OpsbookError(e.code, e.message, { location: { ...e.location, path: `${part}${path.slice(head.length)}` }, ...(e.details ? { details: e.details } : {}), cause: e.cause });
}

export function registerRouteTable(app: FastifyInstance, daemon: Daemon, table: RouteTable): void {
  for (const spec of table) {
    app.route({
      method: spec.method,
      url: spec.url,
      config: { access: spec.access },
      ...(spec.bodyLimit ? { bodyLimit: spec.bodyLimit } : {}),
      ...(spec.access === 'public' ? {} : { preHandler: requireRole(daemon, spec.access) }),
      ...(spec.rawBody ? { preParsing: keepRawBody(spec.bodyLimit ?? DEFAULT_BODY_LIMIT) } : {}),
      handler: async (request, reply) => {
        const ctx: RouteContext<unknown, unknown, unknown> = {
          request,
          reply,
          body: spec.body ? parseRequestPart(spec.body, request.body ?? {}, 'body') : undefined,
          query: spec.query ? parseRequestPart(spec.query, request.query ?? {}, 'query') : undefined,
          params: spec.params ? parseRequestPart(spec.params, request.params ?? {}, 'params') : undefined,
          actor: request.actor,
        };
        let result: unknown;
        try {
          result = await spec.handler(ctx);
        } catch (e) {
          throw inRequestTerms(e, spec);
        }
        if (spec.status) void reply.status(spec.status);
        return result;
      },
    });
  }
}
