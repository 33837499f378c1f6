import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { OpsConfig } from '../config/index.js';
import { isOpsbookError, type ErrorKind, type OpsbookError } from '../lib/errors/index.js';
import { namedStoreError, retryAfterSeconds } from '../store/index.js';

export { namedStoreError } from '../store/index.js';

/** The one place error kinds become HTTP statuses. */
export const STATUS_BY_KIND: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unavailable: 503,
  overloaded: 429,
  internal: 500,
};

export interface ErrorBody {
  /** `request_id` (internal errors only) names the log line holding the error's stack. */
  error: { code: string; message: string; path?: string; request_id?: string };
}

/**
 * Fastify's answer for a URL it cannot route at all (a path that is not percent-encoded UTF-8), in
 * the same shape as every other error.
 */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const url = request.url.split('?')[0] ?? '';
  const bad = error.code === 'FST_ERR_BAD_URL';
  void reply.status(bad ? 400 : 500).send({
    error: bad
      ? { code: 'OPSBOOK_E_REQUEST_INVALID', message: `the path ${url.slice(0, 200)} is not percent-encoded UTF-8`, path: 'url' }
      : { code: 'OPSBOOK_E_INTERNAL', message: `internal error; see the opsbook log for request ${request.id}`, request_id: request.id },
  } satisfies ErrorBody);
  if (!bad) request.log.error({ err: error }, 'request failed');
}

/** Fastify's answer for a URL no route serves, in the same shape as every other error. */
export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): void {
  void reply.status(404).send({ error: { code: 'OPSBOOK_E_NOT_FOUND', message: `no route for ${request.method} ${request.url.split('?')[0]}` } } satisfies ErrorBody);
}

/**
 * Seconds a refused client should wait before trying again, for a refusal that a retry can get past;
 * undefined for one it cannot (a store newer than this opsbook, a process without the pipeline).
 */
export function retryAfterFor(error: OpsbookError, config: Pick<OpsConfig, 'storage'>): number | undefined {
  const named = retryAfterSeconds(error);
  if (named !== undefined) return named;
  // A retry gets past a full disk only once space is freed; opsbook tries a write again every
  // storage.full_retry, and a client is asked to wait as long.
  if (error.code === 'OPSBOOK_E_STORE_FULL') return Math.max(1, Math.ceil(config.storage.full_retry / 1000));
  return undefined;
}

/** The API's error handler: coded errors answered with their status (and Retry-After when a retry can succeed), the rest as 500. */
export function errorHandler(daemon: { readonly config: Pick<OpsConfig, 'storage'> }) {
  return (raw: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void => answerError(raw, request, reply, daemon.config);
}

/** Longest error message an answer carries: messages quote what was sent, and what was sent may be 100 kB. */
export const MAX_ERROR_MESSAGE = 2000;

function bounded(message: string): string {
  return message.length <= MAX_ERROR_MESSAGE ? message : `${message.slice(0, MAX_ERROR_MESSAGE)}… (${message.length - MAX_ERROR_MESSAGE} more characters)`;
}

function answerError(raw: FastifyError | Error, request: FastifyRequest, reply: FastifyReply, config: Pick<OpsConfig, 'storage'>): void {
  const error = namedStoreError(raw) as FastifyError | Error;
  if (isOpsbookError(error)) {
    const body: ErrorBody = { error: { code: error.code, message: bounded(error.message) } };
    if (error.location?.path) body.error.path = error.location.path;
    // A body over the route's limit is 413 wherever it is measured (Fastify's parser or a raw-body reader).
    const status = error.code === 'OPSBOOK_E_REQUEST_TOO_LARGE' ? 413 : STATUS_BY_KIND[error.kind];
    const retryAfter = retryAfterFor(error, config);
    if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));
    if (status >= 500) {
      // A coded failure on opsbook's side (store down, a broken invariant) is logged like any other.
      request.log.error({ err: error }, 'request failed');
      body.error.request_id = request.id;
    }
    void reply.status(status).send(body);
    return;
  }
  const fe = error as FastifyError;
  if (fe.validation) {
    const first = fe.validation[0];
    void reply.status(400).send({
      error: { code: 'OPSBOOK_E_REQUEST_INVALID', message: bounded(fe.message), path: first?.instancePath || undefined },
    } satisfies ErrorBody);
    return;
  }
  if (fe.statusCode && fe.statusCode < 500) {
    // Fastify's own refusals come before any route reads the request: a media type it has no
    // parser for names the content-type header; the rest (size, length, encoding) the body.
    const path = fe.statusCode === 415 ? 'headers.content-type' : 'body';
    void reply.status(fe.statusCode).send({ error: { code: fe.statusCode === 413 ? 'OPSBOOK_E_REQUEST_TOO_LARGE' : 'OPSBOOK_E_REQUEST_INVALID', message: bounded(fe.message), path } } satisfies ErrorBody);
    return;
  }
  request.log.error({ err: error }, 'request failed');
  void reply
    .status(500)
    .send({ error: { code: 'OPSBOOK_E_INTERNAL', message: `internal error; see the opsbook log for request ${request.id}`, request_id: request.id } } satisfies ErrorBody);
}
