import net, { type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

/**
 * One HTTP/1.1 exchange on a connection of its own (`connection: new`, plain `http://`), written
 * straight over a socket: the request bytes are built once per check, and the response is read by a
 * small parser that knows exactly what a probe needs (status, headers, a Content-Length, chunked or
 * read-to-close body, a cap on what is kept). Node's client builds a request object, an outgoing and
 * an incoming stream and their listeners around every exchange; at thousands of fresh connections a
 * second that bookkeeping, and the garbage it leaves, cost more than the exchange itself.
 *
 * Anything this parser does not accept fails the run with `malformed response: …`, as Node's parser
 * would fail it; requests it cannot express exactly (see `http1Request`) go through node:http.
 */

export interface Http1Request {
  host: string;
  port: number;
  /** The host is an IP literal: no DNS lookup happens, so none is timed. */
  ipHost: boolean;
  /** HEAD: the response has no body whatever its headers say. */
  head: boolean;
  bytes: Buffer;
}

export interface Http1Response {
  status: number;
  /** Lower-case names; repeated headers joined as Node joins them. Empty unless asked for. */
  headers: Record<string, string>;
  location: string | undefined;
  body: string;
  lookupAt: number | undefined;
  connectAt: number | undefined;
  firstByteAt: number | undefined;
}

/** Node's default limit on the size of a response's head (status line and headers). */
export const MAX_HEAD_BYTES = 16 * 1024;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const PATH = /^[\x21-\xff]+$/;
/** Request headers whose meaning this client fixes itself; a check setting one goes through node:http. */
const OWN_HEADERS = new Set(['host', 'connection', 'transfer-encoding', 'expect', 'upgrade', 'te', 'keep-alive', 'trailer']);

/**
 * The request's bytes, when this client can send it exactly as node:http would (a Host header, the
 * check's headers, Basic auth from the URL, `Connection: close`); undefined otherwise.
 */
export function http1Request(url: URL, method: string, headers: Record<string, string>, body: string | undefined, auth: string | undefined): Http1Request | undefined {
  if (url.protocol !== 'http:' || !TOKEN.test(method)) return undefined;
  const path = `${url.pathname}${url.search}`;
  if (!PATH.test(path)) return undefined;
  const port = Number(url.port || 80);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  let head = `${method} ${path} HTTP/1.1\r\nHost: ${url.host}\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    if (!TOKEN.test(name) || !FIELD_VALUE.test(value) || OWN_HEADERS.has(name.toLowerCase()) || (auth !== undefined && name.toLowerCase() === 'authorization')) return undefined;
    head += `${name}: ${value}\r\n`;
  }
  if (auth !== undefined) head += `Authorization: Basic ${Buffer.from(auth).toString('base64')}\r\n`;
  head += 'Connection: close\r\n\r\n';
  const bytes = body === undefined ? Buffer.from(head, 'latin1') : Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(body, 'utf8')]);
  return { host, port, ipHost: net.isIP(host) !== 0, head: method === 'HEAD', bytes };
}

class Malformed extends Error {
  constructor(what: string) {
    super(`malformed response: ${what}`);
  }
}

/** Headers Node keeps only the first of when repeated. */
const FIRST_ONLY = new Set(['age', 'authorization', 'content-length', 'content-type', 'etag', 'expires', 'from', 'host', 'if-modified-since', 'if-unmodified-since', 'last-modified', 'location', 'max-forwards', 'proxy-authorization', 'referer', 'retry-after', 'server', 'user-agent']);

interface Head {
  status: number;
  headers: Record<string, string>;
  location: string | undefined;
  contentLength: number | undefined;
  chunked: boolean;
}

/** Parses the head (`text` ends before its blank line). */
function parseHead(text: string, keepHeaders: boolean): Head {
  const lines = text.split('\r\n');
  const m = /^HTTP\/1\.[01] ([1-9]\d\d)(?: [\t\x20-\x7e\x80-\xff]*)?$/.exec(lines[0]!);
  if (!m) throw new Malformed(`status line ${JSON.stringify(lines[0]!.slice(0, 80))}`);
  const head: Head = { status: Number(m[1]), headers: {}, location: undefined, contentLength: undefined, chunked: false };
  let encoding: string | undefined;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    if (!TOKEN.test(name)) throw new Malformed(`header line ${JSON.stringify(line.slice(0, 80))}`);
    const value = line.slice(colon + 1).trim();
    if (!FIELD_VALUE.test(value)) throw new Malformed(`header ${name}`);
    const key = name.toLowerCase();
    if (key === 'content-length') {
      if (!/^\d{1,15}$/.test(value) || (head.contentLength !== undefined && head.contentLength !== Number(value))) throw new Malformed(`Content-Length ${JSON.stringify(value)}`);
      head.contentLength = Number(value);
    } else if (key === 'transfer-encoding') {
      encoding = encoding === undefined ? value : `${encoding}, ${value}`;
    } else if (key === 'location') head.location ??= value;
    if (!keepHeaders) continue;
    const had = head.headers[key];
    if (had === undefined) head.headers[key] = value;
    else if (!FIRST_ONLY.has(key)) head.headers[key] = `${had}${key === 'cookie' ? '; ' : ', '}${value}`;
  }
  if (encoding !== undefined) {
    const codings = encoding.toLowerCase().split(',').map((c) => c.trim());
    // A body whose framing is not chunked cannot be told apart from what follows it.
    if (codings.at(-1) !== 'chunked') throw new Malformed(`Transfer-Encoding ${JSON.stringify(encoding)}`);
    if (head.contentLength !== undefined) throw new Malformed('both Content-Length and Transfer-Encoding');
    head.chunked = true;
  }
  return head;
}

type Stage = 'head' | 'length' | 'close' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'done';

/**
 * Sends the request on a fresh connection and reads the response. Rejects on a connection error,
 * an abort (with `abortError`), a malformed response or one cut short.
 */
export function http1Exchange(req: Http1Request, signal: AbortSignal, keepHeaders: boolean, maxBody: number, abortError: () => Error): Promise<Http1Response> {
  return new Promise((resolve, reject) => {
    const socket: Socket = net.connect({ host: req.host, port: req.port });
    const out: Http1Response = { status: 0, headers: {}, location: undefined, body: '', lookupAt: undefined, connectAt: undefined, firstByteAt: undefined };
    let stage: Stage = 'head';
    /** Bytes received and not yet consumed. */
    let pending: Buffer | undefined;
    let remaining = 0;
    const kept: Buffer[] = [];
    let keptBytes = 0;
    let settled = false;

    const finish = (e?: Error): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      if (e) {
        socket.destroy();
        reject(e);
        return;
      }
      stage = 'done';
      // As Node's client does with a response on a connection of its own: end our side now.
      socket.end();
      out.body = kept.length === 0 ? '' : kept.length === 1 ? kept[0]!.toString('utf8') : Buffer.concat(kept).toString('utf8');
      resolve(out);
    };
    const onAbort = (): void => finish(abortError());
    const keep = (b: Buffer): void => {
      if (keptBytes < maxBody) {
        const part = b.length <= maxBody - keptBytes ? b : b.subarray(0, maxBody - keptBytes);
        kept.push(part);
        keptBytes += part.length;
      }
    };

    /** Consumes what it can of `buf`; returns the unconsumed rest (undefined when none). */
    const consume = (buf: Buffer): Buffer | undefined => {
      for (;;) {
        switch (stage) {
          case 'head': {
            const end = buf.indexOf('\r\n\r\n');
            if (end < 0) {
              if (buf.length > MAX_HEAD_BYTES) throw new Malformed(`head larger than ${MAX_HEAD_BYTES} bytes`);
              return buf;
            }
            if (end > MAX_HEAD_BYTES) throw new Malformed(`head larger than ${MAX_HEAD_BYTES} bytes`);
            const head = parseHead(buf.toString('latin1', 0, end), keepHeaders);
            buf = buf.subarray(end + 4);
            // An interim answer (100 Continue, 103 Early Hints): the final one follows.
            if (head.status < 200) {
              if (head.status === 101) throw new Malformed('101 Switching Protocols to a request that asked for no upgrade');
              continue;
            }
            out.status = head.status;
            out.headers = head.headers;
            out.location = head.location;
            if (req.head || head.status === 204 || head.status === 304) stage = 'done';
            else if (head.chunked) stage = 'chunk-size';
            else if (head.contentLength !== undefined) {
              remaining = head.contentLength;
              stage = remaining === 0 ? 'done' : 'length';
            } else stage = 'close';
            break;
          }
          case 'length': {
            const take = Math.min(remaining, buf.length);
            keep(take === buf.length ? buf : buf.subarray(0, take));
            remaining -= take;
            buf = buf.subarray(take);
            if (remaining > 0) return undefined;
            stage = 'done';
            break;
          }
          case 'close':
            keep(buf);
            return undefined;
          case 'chunk-size': {
            const end = buf.indexOf('\r\n');
            if (end < 0) {
              if (buf.length > 1024) throw new Malformed('chunk size line too long');
              return buf;
            }
            const line = buf.toString('latin1', 0, end);
            const m = /^([0-9A-Fa-f]{1,12})[\t ]*(?:;.*)?$/.exec(line);
            if (!m) throw new Malformed(`chunk size ${JSON.stringify(line.slice(0, 40))}`);
            remaining = parseInt(m[1]!, 16);
            buf = buf.subarray(end + 2);
            stage = remaining === 0 ? 'trailers' : 'chunk-data';
            break;
          }
          case 'chunk-data': {
            const take = Math.min(remaining, buf.length);
            keep(take === buf.length ? buf : buf.subarray(0, take));
            remaining -= take;
            buf = buf.subarray(take);
            if (remaining > 0) return undefined;
            stage = 'chunk-end';
            break;
          }
          case 'chunk-end': {
            if (buf.length < 2) return buf.length === 0 ? undefined : buf;
            if (buf[0] !== 13 || buf[1] !== 10) throw new Malformed('chunk not followed by CRLF');
            buf = buf.subarray(2);
            stage = 'chunk-size';
            break;
          }
          case 'trailers': {
            const end = buf.indexOf('\r\n');
            if (end < 0) {
              if (buf.length > MAX_HEAD_BYTES) throw new Malformed(`trailers larger than ${MAX_HEAD_BYTES} bytes`);
              return buf;
            }
            buf = buf.subarray(end + 2);
            if (end === 0) stage = 'done';
            break;
          }
          case 'done':
            return undefined;
        }
        if (stage === 'done') return undefined;
        if (buf.length === 0) return undefined;
      }
    };

    if (!req.ipHost) socket.on('lookup', () => (out.lookupAt = performance.now()));
    socket.on('connect', () => {
      out.connectAt = performance.now();
      socket.write(req.bytes);
    });
    socket.on('data', (chunk: Buffer) => {
      if (settled) return;
      out.firstByteAt ??= performance.now();
      try {
        pending = consume(pending ? Buffer.concat([pending, chunk]) : chunk);
      } catch (e) {
        finish(e as Error);
        return;
      }
      if (stage === 'done') finish();
    });
    socket.on('end', () => {
      if (stage === 'close') finish();
      else if (!settled) finish(stage === 'head' && out.firstByteAt === undefined ? hangUp() : new Malformed(`connection closed before the end of the ${stage === 'head' ? 'head' : 'body'}`));
    });
    socket.on('error', (e) => finish(e));
    socket.on('close', () => {
      if (!settled) finish(hangUp());
    });
    if (signal.aborted) finish(abortError());
    else signal.addEventListener('abort', onAbort);
  });
}

/** What Node's client says when the server closes without answering. */
function hangUp(): Error {
  return Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
}
