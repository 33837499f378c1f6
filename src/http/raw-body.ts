import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { OpsbookError } from '../lib/errors/index.js';

/** The server's body limit (see buildServer). */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

declare module 'fastify' {
  interface FastifyRequest {
    /** The body exactly as it arrived, on routes that declare `rawBody` (signatures cover these bytes). */
    rawBody?: string;
  }
}

/**
 * A preParsing hook that reads the body (up to `limit` bytes), keeps it as `request.rawBody`, and
 * hands the same bytes on to the usual parser: a signature is checked over what was sent, not over
 * a re-serialisation of what was parsed.
 */
export function keepRawBody(limit: number) {
  return async (request: FastifyRequest, _reply: FastifyReply, payload: NodeJS.ReadableStream): Promise<NodeJS.ReadableStream> => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of payload as AsyncIterable<Buffer | string>) {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += b.length;
      if (size > limit) throw new OpsbookError('OPSBOOK_E_REQUEST_TOO_LARGE', `the request body is larger than ${limit} bytes`, { location: { path: 'body' } });
      chunks.push(b);
    }
    const raw = Buffer.concat(chunks);
    request.rawBody = raw.toString('utf8');
    const stream = Readable.from([raw]) as Readable & { receivedEncodedLength?: number };
    stream.receivedEncodedLength = raw.length;
    return stream;
  };
}
