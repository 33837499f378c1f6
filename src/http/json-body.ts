import type { FastifyInstance, FastifyRequest } from 'fastify';
import { OpsbookError } from '../lib/errors/index.js';
import { firstInJson, jsonNodePath, jsonPath } from './validate.js';

/**
 * The path of the first key that would reach an object's prototype when the parsed body is copied
 * (`__proto__`, or `constructor` holding `prototype`).
 */
function prototypeKey(value: unknown): string | undefined {
  return firstInJson(value, (node) => {
    if (node.key === '__proto__') return jsonPath('body', jsonNodePath(node));
    const v = node.value;
    if (node.key === 'constructor' && v && typeof v === 'object' && !Array.isArray(v) && Object.hasOwn(v, 'prototype')) return jsonPath('body', [...jsonNodePath(node), 'prototype']);
    return undefined;
  });
}

/**
 * Parses a JSON request body, refusing what Fastify's own parser refuses (an empty body, text that
 * is not JSON, keys that reach a prototype) as a request error at its path, in the API's shape.
 */
export function parseJsonBody(_request: FastifyRequest, text: string): unknown {
  if (text.trim() === '') {
    throw new OpsbookError('OPSBOOK_E_REQUEST_INVALID', 'the body is empty but its content-type says JSON: send a JSON document, or no content-type', { location: { path: 'body' } });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new OpsbookError('OPSBOOK_E_REQUEST_INVALID', `the body is not valid JSON: ${(e as Error).message}`, { location: { path: 'body' } });
  }
  if (text.includes('__proto__') || text.includes('constructor')) {
    const at = prototypeKey(value);
    if (at) throw new OpsbookError('OPSBOOK_E_REQUEST_INVALID', `${at}: opsbook refuses keys that reach an object's prototype`, { location: { path: at } });
  }
  return value;
}

/** Replaces Fastify's JSON parser with `parseJsonBody` (the route's body limit still applies). */
export function registerJsonBody(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    try {
      done(null, parseJsonBody(request, body as string));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
}
