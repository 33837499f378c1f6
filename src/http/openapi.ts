import { z } from 'zod';
import type { RouteTable } from './routes.js';
import { VERSION } from '../daemon/index.js';

type JsonObject = Record<string, unknown>;

const errorSchema = z.object({
  error: z.object({
    code: z.string().describe('Stable code from the error catalogue'),
    message: z.string(),
    path: z.string().optional(),
    request_id: z.string().optional().describe('Internal errors: the request id under which the opsbook log holds the error'),
  }),
});

function schemaOf(s: z.ZodType, io: 'input' | 'output'): JsonObject {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonObject;
  return rest;
}

/** `/api/incidents/:id` → `/api/incidents/{id}`. */
function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

export type OpenApiDocument = {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers: Array<{ url: string }>;
  components: JsonObject;
  security: JsonObject[];
  paths: Record<string, JsonObject>;
};

/** The content of a successful answer: JSON by the route's response schema, or an HTML page. */
function successContent(r: RouteTable[number]): JsonObject | undefined {
  const content: JsonObject = {};
  for (const type of r.produces ?? ['application/json']) {
    if (type === 'text/html' || type === 'text/xml' || type === 'text/calendar') content[type] = { schema: { type: 'string' } };
    else if (r.response) content[type] = { schema: schemaOf(r.response, 'output') };
  }
  return Object.keys(content).length > 0 ? content : undefined;
}

/**
 * The OpenAPI 3.1 document, generated from the same zod schemas that validate requests and type
 * the handlers' answers, so the document cannot drift from what the server accepts and returns.
 */
export function buildOpenApi(routes: RouteTable, serverUrl: string): OpenApiDocument {
  const paths: Record<string, JsonObject> = {};
  for (const r of routes) {
    const parameters: JsonObject[] = [];
    for (const [where, schema] of [['path', r.params], ['query', r.query]] as const) {
      if (!schema) continue;
      const js = schemaOf(schema, 'input') as { properties?: Record<string, JsonObject>; required?: string[] };
      for (const [name, prop] of Object.entries(js.properties ?? {})) {
        parameters.push({ name, in: where, required: where === 'path' || (js.required ?? []).includes(name), schema: prop });
      }
    }
    const content = successContent(r);
    const responses: JsonObject = {
      [String(r.status ?? 200)]: { description: 'Success', ...(content ? { content } : {}) },
      '400': { description: 'Invalid request', content: { 'application/json': { schema: schemaOf(errorSchema, 'output') } } },
    };
    if (r.access !== 'public') {
      responses['401'] = { description: 'No or invalid token' };
      responses['403'] = { description: `Needs role ${r.access}` };
    }
    const op: JsonObject = {
      summary: r.summary,
      tags: r.tags ?? [],
      'x-opsbook-access': r.access,
      ...(parameters.length ? { parameters } : {}),
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(r.body, 'input') } } } } : {}),
      responses,
      ...(r.access === 'public' ? { security: [] } : {}),
    };
    (paths[openApiPath(r.url)] ??= {})[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'opsbook API', version: VERSION, description: 'Every route declares the role it needs (x-opsbook-access).' },
    servers: [{ url: serverUrl }],
    components: { securitySchemes: { token: { type: 'http', scheme: 'bearer', description: 'An API token from `opsbook token create`.' } } },
    security: [{ token: [] }],
    paths,
  };
}
