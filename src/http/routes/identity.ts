import type { Daemon } from '../../daemon/index.js';
import type { RouteTable } from '../routes.js';

/** `GET /api/whoami`: the caller as the token identifies them. */
export function identityRoutes(_daemon: Daemon): RouteTable {
  return [
    {
      method: 'GET',
      url: '/api/whoami',
      access: 'viewer',
      summary: 'The user and role the presented token acts as.',
      handler: async (request) => ({ name: request.actor!.name, role: request.actor!.role }),
    },
  ];
}
