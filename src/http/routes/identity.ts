import { z } from 'zod';
import type { Daemon } from '../../daemon/index.js';
import { route, type RouteTable } from '../routes.js';
import { buildOpenApi } from '../openapi.js';

/** `GET /api/whoami` and the API's own description. */
export function identityRoutes(daemon: Daemon, all: () => RouteTable): RouteTable {
  return [
    route({
      method: 'GET',
      url: '/api/whoami',
      access: 'viewer',
      summary: 'The user and role the presented token acts as.',
      tags: ['identity'],
      response: z.object({ name: z.string(), role: z.enum(['viewer', 'responder', 'admin']) }),
      handler: ({ actor }) => ({ name: actor!.name, role: actor!.role }),
    }),
    route({
      method: 'GET',
      url: '/api/openapi.json',
      access: 'public',
      summary: 'This API described as OpenAPI 3.1.',
      tags: ['meta'],
      handler: () => buildOpenApi(all(), daemon.config.server.public_url),
    }),
  ];
}
