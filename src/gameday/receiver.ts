import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { Clock } from '../lib/clock.js';

/** Standard Webhooks' tolerance: a message signed more than 5 minutes away from now is refused. */
const TOLERANCE_S = 5 * 60;

export interface ReceivedNotification {
  path: string;
  id: string;
  type: string;
  incidentId?: string;
  severity?: string;
  /** The person the message pages, when the step targets someone. */
  recipient?: string;
  /** The signed acknowledge / resolve links the message carries. */
  links?: { acknowledge?: string; resolve?: string };
  at: number;
}

export interface WebhookReceiver {
  url: string;
  secret: string;
  received: ReceivedNotification[];
  /** Messages refused: bad or missing signature, or a timestamp out of tolerance. */
  rejected: string[];
  close(): Promise<void>;
}

/**
 * A loopback receiver that verifies every message as a Standard Webhooks receiver would: the
 * signature with the library's own signing, the timestamp against the game day's clock (the sender
 * signs with the simulated time, so the receiver shares that notion of now).
 */
export async function startReceiver(clock: Clock): Promise<WebhookReceiver> {
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  const wh = new Webhook(secret);
  const received: ReceivedNotification[] = [];
  const rejected: string[] = [];
  const verify = (raw: string, headers: http.IncomingHttpHeaders): string | undefined => {
    const id = headers['webhook-id'];
    const ts = headers['webhook-timestamp'];
    const sigs = headers['webhook-signature'];
    if (typeof id !== 'string' || typeof ts !== 'string' || typeof sigs !== 'string') return 'missing webhook-id, webhook-timestamp or webhook-signature';
    const seconds = Number.parseInt(ts, 10);
    if (!Number.isFinite(seconds)) return `bad timestamp ${ts}`;
    if (Math.abs(Math.floor(clock.now() / 1000) - seconds) > TOLERANCE_S) return `timestamp ${ts} outside ±5 min of now`;
    const expected = Buffer.from(wh.sign(id, new Date(seconds * 1000), raw).split(',')[1]!);
    const ok = sigs.split(' ').some((s) => {
      const [version, sig] = s.split(',');
      const given = Buffer.from(sig ?? '');
      return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
    });
    return ok ? undefined : 'no matching signature';
  };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const problem = verify(raw, req.headers);
      if (problem) {
        rejected.push(`${req.url ?? ''}: ${problem}`);
        res.writeHead(400).end();
        return;
      }
      try {
        const body = JSON.parse(raw) as { type?: string; data?: { incident?: { id?: string; severity?: string }; recipient?: { user?: string }; links?: { acknowledge?: string; resolve?: string } } };
        received.push({
          path: req.url ?? '',
          id: String(req.headers['webhook-id']),
          type: body.type ?? '',
          ...(body.data?.incident?.id ? { incidentId: body.data.incident.id } : {}),
          ...(body.data?.incident?.severity ? { severity: body.data.incident.severity } : {}),
          ...(body.data?.recipient?.user ? { recipient: body.data.recipient.user } : {}),
          ...(body.data?.links ? { links: body.data.links } : {}),
          at: clock.now(),
        });
        res.writeHead(204).end();
      } catch (e) {
        rejected.push(`${req.url ?? ''}: body is not JSON: ${(e as Error).message}`);
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    secret,
    received,
    rejected,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
