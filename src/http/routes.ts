import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Daemon } from '../daemon/index.js';
import { requireRole, type RouteAccess } from './auth.js';

/**
 * Every API route declares who may call it. Routes are registered only through this table, so a
 * test can walk every route × role and no route can exist without a declaration.
 */
export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  access: RouteAccess;
  summary: string;
  handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown> | unknown;
}

export type RouteTable = RouteSpec[];

export function registerRouteTable(app: FastifyInstance, daemon: Daemon, table: RouteTable): void {
  for (const route of table) {
    app.route({
      method: route.method,
      url: route.url,
      ...(route.access === 'public' ? {} : { preHandler: requireRole(daemon, route.access) }),
      handler: route.handler,
    });
  }
}
