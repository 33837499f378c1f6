/**
 * The chaos run's loopback peers: the target every check probes (`/<node>/<check>`; it answers 500
 * while a check's failure window is open) and the webhook receiver (`/hook/<node>`; it fails 30 % of
 * requests and records every delivery by `webhook-id`). Both know which process sent each request,
 * because the config puts `${OPSBOOK_NODE}` in the URLs.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Window {
  from: number;
  to: number;
}

export interface Target {
  port: number;
  /** Per check: the last probe's time and the longest silence since `measureFrom`. */
  lastAt: Map<string, number>;
  longestGap: Map<string, number>;
  /** Per check: when its longest silence ended (the probe that ended it). */
  longestGapEnd: Map<string, number>;
  probes: number;
  /** Per failing check: when the target answered it 500. */
  failedAt: Map<string, number[]>;
  /** Per check with a failure window: every probe, with the process that sent it and whether it was answered 500. */
  probesOf: Map<string, Array<{ at: number; node: string; down: boolean }>>;
  /** Measure silences from this instant (after every check ran once). */
  measureFrom: number;
  close(): Promise<void>;
}

export async function startTarget(failing: ReadonlyMap<string, Window>): Promise<Target> {
  const t: Target = { port: 0, lastAt: new Map(), longestGap: new Map(), longestGapEnd: new Map(), probes: 0, failedAt: new Map(), probesOf: new Map(), measureFrom: Infinity, close: async () => {} };
  const server = http.createServer((req, res) => {
    const [, node = '?', check = ''] = (req.url ?? '').split('/');
    const now = Date.now();
    t.probes++;
    const last = t.lastAt.get(check);
    if (last !== undefined && last >= t.measureFrom && now - last > (t.longestGap.get(check) ?? 0)) {
      t.longestGap.set(check, now - last);
      t.longestGapEnd.set(check, now);
    }
    t.lastAt.set(check, now);
    const w = failing.get(check);
    const down = w !== undefined && now >= w.from && now < w.to;
    if (down) t.failedAt.set(check, [...(t.failedAt.get(check) ?? []), now]);
    if (w !== undefined) t.probesOf.set(check, [...(t.probesOf.get(check) ?? []), { at: now, node, down }]);
    res.writeHead(down ? 500 : 200, { 'content-type': 'text/plain' });
    res.end(down ? 'down' : 'ok');
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.port = (server.address() as AddressInfo).port;
  t.close = () => close(server);
  return t;
}

export interface Delivery {
  id: string;
  node: string;
  at: number;
  /** What the receiver answered; 0 when the sender had gone before the answer (timed out or killed). */
  status: number;
  type: string;
  incident: string;
  /** The incident's opening this was sent for, and the person paged, when the body names them. */
  epoch: number;
  recipient: string;
}

/** Whether the receiver answered the sender 2xx (a delivery the sender saw accepted). */
export const accepted = (d: Pick<Delivery, 'status'>): boolean => d.status >= 200 && d.status < 300;

export interface Receiver {
  url: string;
  deliveries: Delivery[];
  /** Requests each process has open at the receiver now (received, not yet answered). */
  inFlight: Map<string, number>;
  close(): Promise<void>;
}

/** Fails `failRate` of requests with 503; answers after 20–300 ms, so deliveries are in flight for a while. */
export async function startReceiver(failRate: number): Promise<Receiver> {
  const r: Receiver = { url: '', deliveries: [], inFlight: new Map(), close: async () => {} };
  const server = http.createServer((req, res) => {
    const node = (req.url ?? '').split('/')[2] ?? '?';
    r.inFlight.set(node, (r.inFlight.get(node) ?? 0) + 1);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = Math.random() < failRate ? 503 : 204;
      const body = parse(Buffer.concat(chunks).toString('utf8'));
      const id = String(req.headers['webhook-id'] ?? '');
      setTimeout(() => {
        r.inFlight.set(node, Math.max(0, (r.inFlight.get(node) ?? 1) - 1));
        // A sender that gave up waiting (its timeout, or it was killed) never got the answer: such a
        // delivery is recorded with status 0, not as accepted — the sender sends it again, same id.
        const answered = !res.destroyed && !req.socket.destroyed;
        r.deliveries.push({ id, node, at: Date.now(), status: answered ? status : 0, ...body });
        if (answered) {
          res.writeHead(status);
          res.end();
        }
      }, 20 + Math.random() * 280).unref();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  r.close = () => close(server);
  return r;
}

function parse(text: string): Pick<Delivery, 'type' | 'incident' | 'epoch' | 'recipient'> {
  try {
    const b = JSON.parse(text) as { type?: string; data?: { incident?: { id?: string }; recipient?: { user?: string }; incident_epoch?: number } };
    return { type: b.type ?? '?', incident: b.data?.incident?.id ?? '', epoch: b.data?.incident_epoch ?? 0, recipient: b.data?.recipient?.user ?? '' };
  } catch {
    return { type: '?', incident: '', epoch: 0, recipient: '' };
  }
}

function close(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
