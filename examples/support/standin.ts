/**
 * Shared plumbing for the seed systems' stand-ins: a loopback HTTP(S) server with the system's own
 * endpoints, a fault switchboard (`POST /_gameday/faults`), and connections to the real PostgreSQL
 * and Redis the system would use. Game days flip faults on and off; opsbook must notice.
 */
import http from 'node:http';
import https from 'node:https';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

export type Faults = Record<string, boolean>;

export interface StandinRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface StandinResponse {
  status?: number;
  json?: unknown;
  text?: string;
  contentType?: string;
}

export type Handler = (req: StandinRequest) => Promise<StandinResponse> | StandinResponse;

export interface StandinOptions {
  name: string;
  routes: Record<string, Handler>;
  faults: Faults;
  /** Called after faults change, e.g. to write Redis keys or files that the fault implies. */
  onFaults?: (faults: Faults) => Promise<void> | void;
  port?: number;
  tls?: { cert: string; key: string };
  /** Releases the stand-in's own connections when it stops. */
  onClose?: () => Promise<void> | void;
  /** Takes HTTP upgrades (WebSocket endpoints); without it an upgrade is refused. */
  onUpgrade?: (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;
}

export interface Standin {
  url: string;
  port: number;
  /** Swaps the TLS certificate without a restart (https stand-ins only). */
  setCertificate(tls: { cert: string; key: string }): void;
  close(): Promise<void>;
}

export function readEnvTls(prefix = 'STANDIN_TLS'): { cert: string; key: string } | undefined {
  const cert = process.env[`${prefix}_CERT`];
  const key = process.env[`${prefix}_KEY`];
  return cert && key ? { cert: fs.readFileSync(cert, 'utf8'), key: fs.readFileSync(key, 'utf8') } : undefined;
}

export async function startStandin(options: StandinOptions): Promise<Standin> {
  const listener = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://standin');
    let body = '';
    for await (const chunk of req) body += chunk;
    try {
      if (url.pathname === '/_gameday/faults') {
        if (req.method === 'POST') {
          const change = JSON.parse(body || '{}') as Faults;
          for (const [k, v] of Object.entries(change)) {
            if (!(k in options.faults)) throw new Error(`unknown fault "${k}" (known: ${Object.keys(options.faults).join(', ')})`);
            options.faults[k] = Boolean(v);
          }
          await options.onFaults?.(options.faults);
        }
        return send(res, { json: options.faults });
      }
      // The game day swaps the serving certificate (PEM cert and key) as a renewal or an expiry would.
      if (url.pathname === '/_gameday/certificate' && req.method === 'POST') {
        const pair = JSON.parse(body || '{}') as { cert?: string; key?: string };
        if (!(server instanceof https.Server) || !pair.cert || !pair.key) return send(res, { status: 400, json: { error: 'an https stand-in takes { cert, key } (PEM)' } });
        server.setSecureContext({ cert: pair.cert, key: pair.key });
        return send(res, { json: { swapped: true } });
      }
      const handler = options.routes[url.pathname];
      if (!handler) return send(res, { status: 404, json: { error: `no route ${url.pathname}` } });
      send(res, await handler({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body }));
    } catch (e) {
      send(res, { status: 500, json: { error: (e as Error).message } });
    }
  };
  const server = options.tls
    ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, (q, s) => void listener(q, s))
    : http.createServer((q, s) => void listener(q, s));
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    if (options.onUpgrade) options.onUpgrade(req, socket, head);
    else socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    setCertificate: (tls) => {
      if (server instanceof https.Server) server.setSecureContext({ cert: tls.cert, key: tls.key });
    },
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      });
      await options.onClose?.();
    },
  };
}

function send(res: http.ServerResponse, r: StandinResponse): void {
  const type = r.contentType ?? (r.text !== undefined ? 'text/plain; version=0.0.4' : 'application/json');
  res.writeHead(r.status ?? 200, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(r.text ?? JSON.stringify(r.json ?? {}));
}

/** Prometheus text exposition for a handful of series. */
export function promText(series: Array<{ name: string; help: string; type: 'gauge' | 'counter' | 'histogram'; samples: Array<{ labels?: Record<string, string>; value: number; suffix?: string }> }>): string {
  const lines: string[] = [];
  for (const s of series) {
    lines.push(`# HELP ${s.name} ${s.help}`, `# TYPE ${s.name} ${s.type}`);
    for (const sample of s.samples) {
      const labels = Object.entries(sample.labels ?? {}).map(([k, v]) => `${k}="${v}"`).join(',');
      lines.push(`${s.name}${sample.suffix ?? ''}${labels ? `{${labels}}` : ''} ${sample.value}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Cumulative histogram samples (`_bucket`, `_sum`, `_count`) for observations all of one latency. */
export function histogramSamples(bounds: number[], count: number, latency: number, labels: Record<string, string> = {}): Array<{ labels: Record<string, string>; value: number; suffix: string }> {
  const out: Array<{ labels: Record<string, string>; value: number; suffix: string }> = bounds.map((le) => ({
    labels: { ...labels, le: String(le) },
    value: latency <= le ? count : 0,
    suffix: '_bucket',
  }));
  out.push({ labels: { ...labels, le: '+Inf' }, value: count, suffix: '_bucket' });
  out.push({ labels, value: count * latency, suffix: '_sum' });
  out.push({ labels, value: count, suffix: '_count' });
  return out;
}

/** Runs a stand-in as its own process until SIGTERM/SIGINT; prints its URL on stdout. */
export async function runAsProcess(start: () => Promise<Standin>): Promise<void> {
  const standin = await start();
  process.stdout.write(`${standin.url}\n`);
  const stop = (): void => void standin.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
