import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { performance } from 'node:perf_hooks';

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
  signal: AbortSignal;
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
  headers: Record<string, string>;
  body: string;
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
const agents = new Map<string, http.Agent>();
function agentFor(protocol: string, tls: HttpRequestOptions['tls'], connection: 'new' | 'reuse'): http.Agent {
  const key = `${protocol}|${connection}|${tls?.insecure ? 1 : 0}|${tls?.ca_file ?? ''}`;
  let agent = agents.get(key);
  if (!agent) {
    const base = connection === 'reuse' ? { keepAlive: true, maxSockets: 256, maxFreeSockets: 256, scheduling: 'lifo' as const } : { keepAlive: false };
    agent =
      protocol === 'https:'
        ? new https.Agent({ ...base, rejectUnauthorized: !tls?.insecure, ...(tls?.ca_file ? { ca: fs.readFileSync(tls.ca_file) } : {}) })
        : new http.Agent(base);
    agents.set(key, agent);
  }
  return agent;
}

/** Closes pooled connections (tests and shutdown). */
export function closeHttpAgents(): void {
  for (const a of agents.values()) a.destroy();
  agents.clear();
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/** One HTTP exchange with redirects followed by hand, so the count and final URL are known. */
export async function httpRequest(opts: HttpRequestOptions): Promise<HttpResponse> {
  const started = performance.now();
  let url = new URL(opts.url);
  let method = opts.method;
  let body = opts.body;
  for (let redirects = 0; ; redirects++) {
    const r = await once(url, method, body, opts).catch((e: unknown) => {
      // The pooled-connection race: the server closed an idle socket just as this request went out
      // on it. Nothing was answered, so an idempotent request is sent once more on a new connection.
      if ((e as { reusedSocket?: boolean }).reusedSocket && IDEMPOTENT.has(method) && !opts.signal.aborted) {
        return once(url, method, body, { ...opts, connection: 'new' });
      }
      throw e;
    });
    const location = r.headers.location;
    if (opts.followRedirects && r.status >= 300 && r.status < 400 && location && redirects < opts.maxRedirects) {
      url = new URL(location, url);
      // 303, and 301/302 after a POST, turn into GET as browsers and curl -L do.
      if (r.status === 303 || ((r.status === 301 || r.status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
      }
      continue;
    }
    return { ...r, responseTimeMs: performance.now() - started, finalUrl: url.toString(), redirects };
  }
}

function once(
  url: URL,
  method: string,
  body: string | undefined,
  opts: HttpRequestOptions,
): Promise<Omit<HttpResponse, 'responseTimeMs' | 'finalUrl' | 'redirects'>> {
  return new Promise((resolve, reject) => {
    const mod = url.protocol === 'https:' ? https : http;
    const headers: Record<string, string> = { 'user-agent': 'opsbook-check', ...opts.headers };
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    const start = performance.now();
    let lookupAt: number | undefined;
    let connectAt: number | undefined;
    let secureAt: number | undefined;
    let firstByteAt: number | undefined;
    let reused = false;
    const req = mod.request(url, { method, headers, agent: agentFor(url.protocol, opts.tls, opts.connection ?? 'new'), signal: opts.signal }, (res) => {
      let certificateNotAfter: number | undefined;
      if (url.protocol === 'https:') {
        const cert = (res.socket as TLSSocket).getPeerCertificate?.();
        if (cert && cert.valid_to) certificateNotAfter = Date.parse(cert.valid_to);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        // Past the cap the rest is read and dropped, so the connection stays reusable.
        if (size < opts.maxBodyBytes) chunks.push(c.subarray(0, opts.maxBodyBytes - size));
        size += c.length;
      });
      res.on('end', () => {
        const out: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
        const ttfbAt = firstByteAt ?? performance.now();
        const connected = connectAt ?? start;
        resolve({
          status: res.statusCode ?? 0,
          headers: out,
          body: Buffer.concat(chunks).toString('utf8'),
          ...(certificateNotAfter !== undefined ? { certificateNotAfter } : {}),
          phases: {
            dnsMs: lookupAt !== undefined ? lookupAt - start : 0,
            connectMs: connectAt !== undefined ? connectAt - (lookupAt ?? start) : 0,
            tlsMs: secureAt !== undefined ? secureAt - connected : 0,
            ttfbMs: ttfbAt - start,
            reused,
          },
        });
      });
      res.on('error', reject);
    });
    req.on('socket', (socket: Socket) => {
      // A pooled socket is already connected: it has no lookup, connect or handshake to time.
      reused = !socket.connecting;
      if (!reused) {
        socket.once('lookup', () => (lookupAt = performance.now()));
        socket.once('connect', () => (connectAt = performance.now()));
        socket.once('secureConnect', () => (secureAt = performance.now()));
      }
      socket.once('data', () => (firstByteAt = performance.now()));
    });
    req.on('error', (e: Error) => reject(Object.assign(e, { reusedSocket: req.reusedSocket && firstByteAt === undefined })));
    req.end(body);
  });
}
