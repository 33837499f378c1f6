import { z } from 'zod';
import type { Daemon } from '../../daemon/index.js';
import { createToken, listTokenInfo, revokeTokenById } from '../../identity/index.js';
import { setUserPassword } from '../sessions/index.js';
import { route, type RouteTable } from '../routes.js';
import { buildOpenApi, type OpenApiDocument } from '../openapi.js';

const role = z.enum(['viewer', 'responder', 'admin']);

/** A token as listed: never its secret, which exists only in the answer that created it. */
export const tokenInfoSchema = z.object({
  id: z.string(),
  user_name: z.string(),
  name: z.string(),
  created_at: z.number(),
  created_by: z.string(),
  last_used_at: z.number().nullable(),
  revoked_at: z.number().nullable(),
  revoked_by: z.string().nullable(),
});

/** `GET /api/whoami`, API tokens, passwords, and the API's own description. */
export function identityRoutes(daemon: Daemon, all: () => RouteTable): RouteTable {
  const deps = () => ({ store: daemon.store, clock: daemon.clock, users: daemon.config.users });
  // The document follows only the route table (fixed for the server's life) and the public URL (which a
  // reload may change): built once per URL, not per request (its JSON Schemas took 150–450 ms of CPU).
  let described: { serverUrl: string; document: OpenApiDocument } | undefined;
  const describe = (): OpenApiDocument => {
    const serverUrl = daemon.config.server.public_url;
    if (described?.serverUrl !== serverUrl) described = { serverUrl, document: buildOpenApi(all(), serverUrl) };
    return described.document;
  };
  return [
    route({
      method: 'GET',
      url: '/api/whoami',
      access: 'viewer',
      summary: 'The user and role the presented token acts as.',
      tags: ['identity'],
      response: z.object({ name: z.string(), role }),
      handler: ({ actor }) => ({ name: actor!.name, role: actor!.role }),
    }),
    route({
      method: 'GET',
      url: '/api/tokens',
      access: 'admin',
      summary: 'API tokens (never their secrets); `user` narrows to one person’s.',
      tags: ['identity'],
      query: z.object({ user: z.string().optional() }),
      response: z.object({ tokens: z.array(tokenInfoSchema) }),
      handler: async ({ query, actor }) => ({ tokens: await listTokenInfo(deps(), actor!, query.user, 'query.user') }),
    }),
    route({
      method: 'POST',
      url: '/api/tokens',
      access: 'admin',
      summary: 'Create a token for a user. The answer carries the token itself, once; only its SHA-256 is stored.',
      tags: ['identity'],
      status: 201,
      body: z.object({ user: z.string().min(1), name: z.string().min(1).max(200).default('default') }),
      response: z.object({ id: z.string(), user: z.string(), name: z.string(), token: z.string().describe('Shown only in this answer') }),
      handler: ({ body, actor }) => createToken(deps(), actor!, body.user, body.name),
    }),
    route({
      method: 'POST',
      url: '/api/tokens/:id/revoke',
      access: 'admin',
      summary: 'Revoke a token; it is refused from then on.',
      tags: ['identity'],
      params: z.object({ id: z.string().min(1) }),
      response: z.object({ id: z.string(), revoked: z.literal(true) }),
      handler: async ({ params, actor }) => {
        await revokeTokenById(deps(), actor!, params.id);
        return { id: params.id, revoked: true as const };
      },
    }),
    route({
      method: 'POST',
      url: '/api/users/:name/password',
      access: 'admin',
      summary: 'Set a user’s web UI password (stored as an scrypt hash); ends the user’s open sessions.',
      tags: ['identity'],
      params: z.object({ name: z.string().min(1) }),
      body: z.object({ password: z.string() }),
      response: z.object({ user: z.string(), ended_sessions: z.number().int() }),
      handler: async ({ params, body, actor }) => {
        const { endedSessions } = await setUserPassword(deps(), actor!, params.name, body.password);
        return { user: params.name, ended_sessions: endedSessions };
      },
    }),
    route({
      method: 'GET',
      url: '/api/openapi.json',
      access: 'public',
      summary: 'This API described as OpenAPI 3.1.',
      tags: ['meta'],
      response: z.looseObject({ openapi: z.literal('3.1.0'), info: z.looseObject({ title: z.string(), version: z.string() }), paths: z.record(z.string(), z.unknown()) }),
      handler: describe,
    }),
  ];
}
