import http from 'node:http';
import https from 'node:https';
import net, { type Socket } from 'node:net';
import { createSecureContext, type SecureContext, type TLSSocket } from 'node:tls';
import { performance } from 'node:perf_hooks';
import { isRedirectCredential, redirectMethod, redirectTarget, sameOrigin } from '../../../lib/redirects.js';
import { http1Exchange, http1Request, type Http1Request } from './http1.js';
import { caContext } from './ca-context.js';

export interface HttpRequestOptions {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  followRedirects: boolean;
  maxRedirects: number;
  maxBodyBytes: number;
  tls?: { insecure?: boolean; ca_file?: string };
  /** `new`: a fresh connection per request (default); `reuse`: a pooled keep-alive connection. */
  connection?: 'new' | 'reuse';
}

/** What of the response the caller keeps: each is copied only when something reads it. */
export interface HttpKeep {
  body: boolean;
  headers: boolean;
}

/**
 * Phases of the final request, in ms, each taken from the socket's own events: DNS lookup,
 * TCP connect (after the lookup), TLS handshake (after connect), and time to the first response
 * byte (from the request's start). A reused connection has no lookup, connect or handshake (0).
 */
export interface HttpPhases {
  dnsMs: number;
  connectMs: number;
  tlsMs: number;
  ttfbMs: number;
  reused: boolean;
}

export interface HttpResponse {
  status: number;
  /** Empty unless kept (HttpKeep.headers). */
  headers: Record<string, string>;
  /** Empty unless kept (HttpKeep.body). */
  body: string;
  /** The final response's Location header, if it had one. */
  location?: string | undefined;
  /** Milliseconds from the first request to the last byte of the final response. */
  responseTimeMs: number;
  finalUrl: string;
  redirects: number;
  /** notAfter of the leaf certificate the final response arrived on (HTTPS only), epoch ms. */
  certificateNotAfter?: number;
  phases: HttpPhases;
}

// `connection: reuse` pools keep-alive connections: a probe every 10 s to the same host then pays no
// TCP and TLS handshake, but may race the server's idle timeout (a request written just as the server
// closes the idle socket fails with ECONNRESET). `connection: new` (the default, as blackbox_exporter
// and Kubernetes probes do) opens a fresh connection each time. One agent per mode and TLS setting,
// since agents pool by their TLS options.
const agents = new Map<string, { agent: http.Agent; context: SecureContext | undefined }>();
/** Bumped by closeHttpAgents: prepared requests then look their agent up again. */
let agentGeneration = 0;
function agentFor(protocol: string, tls: HttpRequestOptions['tls'], connection: 'new' | 'reuse'): http.Agent {
  const key = `${protocol}|${connection}|${tls?.insecure ? 1 : 0}|${tls?.ca_file ?? ''}`;
  // The TLS context (the CA file read and parsed, with Node's own CAs) made once per version of the
  // file: given only the CA, tls.connect makes a new context for every connection a probe opens.
  const ca = protocol === 'https:' && tls?.ca_file ? caContext(tls.ca_file, true) : undefined;
  let held = agents.get(key);
  // A CA file replaced since (a CA rotated): a new agent trusting what it holds now; the old agent's
  // pooled sockets close when their server ends them, and requests in flight on it finish.
  if (!held || held.context !== ca) {
    const base = connection === 'reuse' ? { keepAlive: true, maxSockets: 256, maxFreeSockets: 256, scheduling: 'lifo' as const } : { keepAlive: false };
    held = {
      agent: protocol === 'https:' ? new https.Agent({ ...base, rejectUnauthorized: !tls?.insecure, secureContext: ca ?? createSecureContext({}) }) : new http.Agent(base),
      context: ca,
    };
    agents.set(key, held);
  }
  return held.agent;
}

/** Closes pooled connections (tests and shutdown). */
export function closeHttpAgents(): void {
  for (const a of agents.values()) a.agent.destroy();
  agents.clear();
  agentGeneration++;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/**
 * A check's request, built once: the parsed URL, the headers with the user agent and length, and
 * how it connects. Every run of the check sends it as is; only redirects build new ones.
 */
export interface PreparedRequest {
  readonly opts: HttpRequestOptions;
  readonly url: URL;
  /** url.href, kept: every run reports it. */
  readonly href: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: string | undefined;
  /** The host is an IP literal: no DNS lookup happens, so none is timed. */
  readonly ipHost: boolean;
  /** Node request options without the agent (looked up per agent generation). */
  readonly base: http.RequestOptions;
  /** A fresh plain-HTTP request this module writes itself (see http1.ts); undefined: node:http sends it. */
  readonly http1: Http1Request | undefined;
  agent?: http.Agent;
  generation: number;
}

/**
 * The socket the last `createConnection` of a fresh plain-HTTP request opened. Node calls it inside
 * http.request, synchronously; the caller takes the socket right after, so the timing listeners go
 * on it before it connects, without a `socket` event per request.
 */
let opened: Socket | undefined;
const openFresh = (o: http.ClientRequestArgs): Socket => (opened = net.connect(o as net.NetConnectOpts));
function takeOpened(): Socket | undefined {
  const s = opened;
  opened = undefined;
  return s;
}

/** `credentials`: false once a redirect left the check's origin; its credential headers then stay behind. */
function prepare(opts: HttpRequestOptions, url: URL, method: string, body: string | undefined, credentials = true): PreparedRequest {
  const own = credentials ? opts.headers : Object.fromEntries(Object.entries(opts.headers).filter(([k]) => !isRedirectCredential(k)));
  const headers: Record<string, string> = { 'user-agent': 'opsbook-check', ...own };
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const auth = url.username || url.password ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` : undefined;
  const base: http.RequestOptions = {
    protocol: url.protocol,
    hostname,
    port: url.port || (url.protocol === 'https:' ? 443 : 80),
    path: `${url.pathname}${url.search}`,
    method,
    headers,
    ...(auth !== undefined ? { auth } : {}),
  };
  // A fresh plain-HTTP connection needs no pool: the request opens its own socket, which skips the
  // agent's bookkeeping on every run. HTTPS keeps its agent (it carries the TLS settings).
  const fresh = url.protocol === 'http:' && (opts.connection ?? 'new') === 'new';
  if (fresh) base.createConnection = openFresh;
  const http1 = fresh ? http1Request(url, method, headers, body, auth) : undefined;
  return { opts, url, href: url.href, method, headers, body, ipHost: net.isIP(hostname) !== 0, base, http1, generation: -1 };
}

const prepared = new WeakMap<object, PreparedRequest>();

/**
 * The prepared request of a check, built on first use and kept as long as `key` (the check's
 * config object) lives; `build` gives the options the first time.
 */
export function preparedRequest(key: object, build?: () => HttpRequestOptions): PreparedRequest {
  let p = prepared.get(key);
  if (!p) {
    const opts = build ? build() : (key as HttpRequestOptions);
    p = prepare(opts, new URL(opts.url), opts.method, opts.body);
    prepared.set(key, p);
  }
  return p;
}

/**
 * Node options for one exchange. A fresh plain-HTTP request sends the prepared options as they are
 * (Node copies them); the abort signal is not among them: `once` listens to it itself, which is
 * one listener instead of Node's abort wiring and stream-end tracking on every request.
 */
function requestOptions(p: PreparedRequest, connection: 'new' | 'reuse'): http.RequestOptions {
  if (p.base.createConnection !== undefined && connection === 'new') return p.base;
  // With a CA file the agent is looked up at every run: the file may have been replaced.
  if (p.generation !== agentGeneration || !p.agent || (p.opts.tls?.ca_file !== undefined && p.url.protocol === 'https:')) {
    p.agent = agentFor(p.url.protocol, p.opts.tls, connection);
    p.generation = agentGeneration;
  }
  const { createConnection: _none, ...rest } = p.base;
  return { ...rest, agent: connection === (p.opts.connection ?? 'new') ? p.agent : agentFor(p.url.protocol, p.opts.tls, connection) };
}

/** One HTTP exchange with redirects followed by hand, so the count and final URL are known. */
export async function httpRequest(request: PreparedRequest | HttpRequestOptions, signal: AbortSignal, keep: HttpKeep = { body: true, headers: true }): Promise<HttpResponse> {
  const started = performance.now();
  let p = 'base' in request ? request : preparedRequest(request);
  const first = p;
  const opts = p.opts;
  for (let redirects = 0; ; redirects++) {
    const current = p;
    const r = await once(current, signal, keep, opts.connection ?? 'new').catch((e: unknown) => {
      // The pooled-connection race: the server closed an idle socket just as this request went out
      // on it. Nothing was answered, so an idempotent request is sent once more on a new connection.
      if ((e as { reusedSocket?: boolean }).reusedSocket && IDEMPOTENT.has(current.method) && !signal.aborted) {
        return once(current, signal, keep, 'new');
      }
      throw e;
    });
    const location = r.location;
    if (opts.followRedirects && r.status >= 300 && r.status < 400 && location && redirects < opts.maxRedirects) {
      // The check's credentials go only to its own origin (see lib/redirects.ts).
      const url = redirectTarget(location, p.url, first.url);
      const next = redirectMethod(r.status, p.method);
      p = prepare(opts, url, next.method, next.keepBody ? p.body : undefined, sameOrigin(url, first.url));
      continue;
    }
    r.responseTimeMs = performance.now() - started;
    r.finalUrl = p.href;
    r.redirects = redirects;
    return r;
  }
}

/** The error a request aborted by its signal fails with, as Node's own abort would give. */
function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error('The operation was aborted', { cause: signal.reason }), { name: 'AbortError', code: 'ABORT_ERR' });
}

function once(p: PreparedRequest, signal: AbortSignal, keep: HttpKeep, connection: 'new' | 'reuse'): Promise<HttpResponse> {
  if (connection === 'new' && p.http1) return onceHttp1(p, p.http1, signal, keep);
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(abortError(signal));
      return;
    }
    const tls = p.url.protocol === 'https:';
    const maxBody = keep.body ? p.opts.maxBodyBytes : 0;
    const start = performance.now();
    let lookupAt: number | undefined;
    let connectAt: number | undefined;
    let secureAt: number | undefined;
    let firstByteAt: number | undefined;
    let reused = false;
    const onAbort = (): void => {
      req.destroy(abortError(signal));
    };
    const onFirstByte = (): void => {
      firstByteAt ??= performance.now();
    };
    const own = p.base.createConnection !== undefined && connection === 'new';
    takeOpened();
    const req = (tls ? https : http).request(requestOptions(p, connection), (res) => {
      let certificateNotAfter: number | undefined;
      if (tls) {
        const cert = (res.socket as TLSSocket).getPeerCertificate?.();
        if (cert && cert.valid_to) certificateNotAfter = Date.parse(cert.valid_to);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        // Past the cap (or when nothing reads the body) the rest is read and dropped, so the
        // connection stays reusable.
        if (size < maxBody) chunks.push(c.subarray(0, maxBody - size));
        size += c.length;
      });
      res.on('end', () => {
        signal.removeEventListener('abort', onAbort);
        const out: Record<string, string> = {};
        if (keep.headers) for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
        const ttfbAt = firstByteAt ?? performance.now();
        const response: HttpResponse = {
          status: res.statusCode ?? 0,
          headers: out,
          location: res.headers.location,
          body: chunks.length === 0 ? '' : chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'),
          responseTimeMs: 0,
          finalUrl: p.href,
          redirects: 0,
          phases: phasesOf(start, { lookupAt, connectAt, secureAt, firstByteAt: ttfbAt }, reused),
        };
        if (certificateNotAfter !== undefined) response.certificateNotAfter = certificateNotAfter;
        resolve(response);
      });
      res.on('error', (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      });
    });
    const fresh = own ? takeOpened() : undefined;
    if (fresh) {
      // A socket of its own, opened just now: timed with plain listeners (it is closed after this
      // exchange, so nothing has to be taken off it).
      if (!p.ipHost) fresh.on('lookup', () => (lookupAt = performance.now()));
      fresh.on('connect', () => (connectAt = performance.now()));
      fresh.on('data', onFirstByte);
    } else {
      req.on('socket', (socket: Socket) => {
        // A pooled socket is already connected: it has no lookup, connect or handshake to time.
        reused = !socket.connecting;
        if (!reused) {
          if (!p.ipHost) socket.once('lookup', () => (lookupAt = performance.now()));
          socket.once('connect', () => (connectAt = performance.now()));
          if (tls) socket.once('secureConnect', () => (secureAt = performance.now()));
        }
        socket.once('data', onFirstByte);
      });
    }
    signal.addEventListener('abort', onAbort);
    req.on('error', (e: Error) => {
      signal.removeEventListener('abort', onAbort);
      reject(Object.assign(e, { reusedSocket: req.reusedSocket && firstByteAt === undefined }));
    });
    req.end(p.body);
  });
}

/** The phases of one exchange from the moments its socket events came (performance.now()), measured from `start`. */
function phasesOf(start: number, at: { lookupAt?: number; connectAt?: number; secureAt?: number; firstByteAt: number }, reused: boolean): HttpResponse['phases'] {
  const connected = at.connectAt ?? start;
  return {
    dnsMs: at.lookupAt !== undefined ? at.lookupAt - start : 0,
    connectMs: at.connectAt !== undefined ? at.connectAt - (at.lookupAt ?? start) : 0,
    tlsMs: at.secureAt !== undefined ? at.secureAt - connected : 0,
    ttfbMs: at.firstByteAt - start,
    reused,
  };
}

/** A fresh plain-HTTP exchange written and read by http1.ts, with the same phases and fields. */
async function onceHttp1(p: PreparedRequest, req: Http1Request, signal: AbortSignal, keep: HttpKeep): Promise<HttpResponse> {
  const start = performance.now();
  const r = await http1Exchange(req, signal, keep.headers, keep.body ? p.opts.maxBodyBytes : 0, () => abortError(signal));
  const { lookupAt, connectAt } = r;
  return {
    status: r.status,
    headers: r.headers,
    location: r.location,
    body: r.body,
    responseTimeMs: 0,
    finalUrl: p.href,
    redirects: 0,
    phases: phasesOf(start, { lookupAt, connectAt, firstByteAt: r.firstByteAt ?? performance.now() }, false),
  };
}
