import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isOpsbookError, type ErrorKind } from '../lib/errors/index.js';
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

/** Fastify's answer for a URL no route serves, in the same shape as every other error. */
export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): void {
  void reply.status(404).send({ error: { code: 'OPSBOOK_E_NOT_FOUND', message: `no route for ${request.method} ${request.url.split('?')[0]}` } } satisfies ErrorBody);
}

export function errorHandler(raw: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void {
  const error = namedStoreError(raw) as FastifyError | Error;
  if (isOpsbookError(error)) {
    const body: ErrorBody = { error: { code: error.code, message: error.message } };
    if (error.location?.path) body.error.path = error.location.path;
    const status = STATUS_BY_KIND[error.kind];
    const retryAfter = retryAfterSeconds(error);
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
      error: { code: 'OPSBOOK_E_REQUEST_INVALID', message: fe.message, path: first?.instancePath || undefined },
    } satisfies ErrorBody);
    return;
  }
  if (fe.statusCode && fe.statusCode < 500) {
    void reply.status(fe.statusCode).send({ error: { code: fe.statusCode === 413 ? 'OPSBOOK_E_REQUEST_TOO_LARGE' : 'OPSBOOK_E_REQUEST_INVALID', message: fe.message } } satisfies ErrorBody);
    return;
  }
  request.log.error({ err: error }, 'request failed');
  void reply
    .status(500)
    .send({ error: { code: 'OPSBOOK_E_INTERNAL', message: `internal error; see the opsbook log for request ${request.id}`, request_id: request.id } } satisfies ErrorBody);
}
