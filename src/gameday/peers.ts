import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { Clock } from '../lib/clock.js';

/**
 * The game-day world's peers for the channels a system's people are reached through besides the
 * signed webhook: a Slack incoming webhook, a Twilio-compatible SMS/voice API, PagerDuty's Events API
 * v2 and an SMTP relay, all on loopback. Each checks what its real counterpart checks (Twilio: basic auth with the account's
 * SID and token, E.164 numbers; PagerDuty: the integration's routing key and a well-formed event;
 * SMTP: an envelope) and keeps what it accepted, so a page to a
 * person's phone is something the game day can see. A delivery these peers refuse is a real
 * failure of the config under test, and opsbook's failing-channel incident says so.
 */

export interface PeerMessage {
  channel: 'slack' | 'twilio' | 'email' | 'pagerduty';
  /** Slack: the webhook path; Twilio: `sms` or `voice` and the number; email: the recipients; PagerDuty: the event action. */
  to: string;
  /** What was sent: the request body (Slack, Twilio, PagerDuty) or the message (email, soft line breaks joined). */
  text: string;
  at: number;
}

export interface ChannelPeers {
  /** Base URL of the Slack incoming-webhook peer (`${url}/services/…`). */
  slackUrl: string;
  /** Base URL of the Twilio-compatible API (the channel's `base_url`). */
  twilioUrl: string;
  /** The one Twilio account the world's API knows, and its token (the config names them). */
  twilioSid: string;
  twilioToken: string;
  /** The Events API v2 endpoint (the channel's `events_url`) and the one integration key it takes. */
  pagerDutyUrl: string;
  pagerDutyRoutingKey: string;
  smtpHost: string;
  smtpPort: number;
  accepted: PeerMessage[];
  /** Requests refused, with the reason. */
  refused: string[];
  close(): Promise<void>;
}

const E164 = /^\+\d{6,15}$/;

/** The `GAMEDAY_*` variables a world's `ops.yaml` reads to reach these peers. */
export function channelPeersEnv(peers: ChannelPeers): Record<string, string> {
  return {
    GAMEDAY_SLACK_URL: peers.slackUrl,
    GAMEDAY_TWILIO_URL: peers.twilioUrl,
    GAMEDAY_TWILIO_SID: peers.twilioSid,
    GAMEDAY_TWILIO_TOKEN: peers.twilioToken,
    GAMEDAY_PAGERDUTY_URL: peers.pagerDutyUrl,
    GAMEDAY_PAGERDUTY_ROUTING_KEY: peers.pagerDutyRoutingKey,
    GAMEDAY_SMTP_HOST: peers.smtpHost,
    GAMEDAY_SMTP_PORT: String(peers.smtpPort),
  };
}

export async function startChannelPeers(clock: Clock): Promise<ChannelPeers> {
  const twilioSid = `AC${randomBytes(16).toString('hex')}`;
  const twilioToken = randomBytes(16).toString('hex');
  const pagerDutyRoutingKey = randomBytes(16).toString('hex');
  const accepted: PeerMessage[] = [];
  const refused: string[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const path = req.url ?? '';
      const answer = (status: number, body: unknown, why?: string) => {
        if (why) refused.push(`${path}: ${why}`);
        res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' }).end(typeof body === 'string' ? body : JSON.stringify(body));
      };
      if (req.method !== 'POST') return answer(405, 'POST only', `${req.method ?? ''} is not POST`);
      if (path.startsWith('/slack/services/')) {
        try {
          const body = JSON.parse(raw) as { text?: unknown; blocks?: unknown };
          if (typeof body.text !== 'string' && !Array.isArray(body.blocks)) return answer(400, 'no_text', 'a Slack message needs text or blocks');
        } catch {
          return answer(400, 'invalid_payload', 'the body is not JSON');
        }
        accepted.push({ channel: 'slack', to: path.slice('/slack'.length), text: raw, at: clock.now() });
        return answer(200, 'ok');
      }
      const m = /^\/twilio\/2010-04-01\/Accounts\/([^/]+)\/(Messages|Calls)\.json$/.exec(path);
      if (m) {
        const sid = decodeURIComponent(m[1]!);
        if (sid !== twilioSid || req.headers.authorization !== `Basic ${Buffer.from(`${twilioSid}:${twilioToken}`).toString('base64')}`) return answer(401, { code: 20003, message: 'Authenticate' }, 'bad account or basic auth');
        const form = new URLSearchParams(raw);
        const to = form.get('To') ?? '';
        if (!E164.test(to) || !E164.test(form.get('From') ?? '')) return answer(400, { code: 21211, message: 'To and From must be E.164 numbers' }, 'To/From not E.164');
        const voice = m[2] === 'Calls';
        if (voice ? !form.get('Twiml') : !form.get('Body')) return answer(400, { code: 21602, message: voice ? 'Twiml is required' : 'Body is required' }, 'no Twiml/Body');
        accepted.push({ channel: 'twilio', to: `${voice ? 'voice' : 'sms'} ${to}`, text: raw, at: clock.now() });
        return answer(201, { sid: `${voice ? 'CA' : 'SM'}${accepted.length}`, status: 'queued' });
      }
      if (path === '/pagerduty/v2/enqueue') {
        const problem = pagerDutyEventProblem(raw, pagerDutyRoutingKey);
        if (problem) return answer(problem.status, { status: 'invalid event', message: 'Event object is invalid', errors: [problem.why] }, problem.why);
        const event = JSON.parse(raw) as { event_action: string; dedup_key?: string };
        accepted.push({ channel: 'pagerduty', to: event.event_action, text: raw, at: clock.now() });
        return answer(202, { status: 'success', message: 'Event processed', dedup_key: event.dedup_key ?? `pd-${accepted.length}` });
      }
      return answer(404, 'no such peer', 'no peer at this path');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const smtp = new SMTPServer({
    authOptional: true,
    // The relay is on loopback: nothing to encrypt, and the world has no certificate for it.
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      let message = '';
      stream.on('data', (c: Buffer) => (message += c.toString()));
      stream.on('end', () => {
        // Quoted-printable soft line breaks joined, so an incident id split across lines reads whole.
        accepted.push({ channel: 'email', to: session.envelope.rcptTo.map((r) => r.address).join(', '), text: message.replace(/=\r?\n/g, ''), at: clock.now() });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    slackUrl: `${url}/slack`,
    twilioUrl: `${url}/twilio`,
    twilioSid,
    twilioToken,
    pagerDutyUrl: `${url}/pagerduty/v2/enqueue`,
    pagerDutyRoutingKey,
    smtpHost: '127.0.0.1',
    smtpPort: (smtp.server.address() as AddressInfo).port,
    accepted,
    refused,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
    },
  };
}

const PAGERDUTY_ACTIONS = ['trigger', 'acknowledge', 'resolve'];
const PAGERDUTY_SEVERITIES = ['critical', 'error', 'warning', 'info'];

/**
 * What PagerDuty's Events API v2 refuses (https://developer.pagerduty.com/docs/events-api-v2/overview/):
 * an unknown routing key, a body that is not JSON, an unknown event_action, acknowledge/resolve
 * without a dedup_key, a trigger without payload.summary, payload.source or a valid payload.severity.
 */
export function pagerDutyEventProblem(raw: string, routingKey: string): { status: number; why: string } | undefined {
  let e: { routing_key?: unknown; event_action?: unknown; dedup_key?: unknown; payload?: { summary?: unknown; source?: unknown; severity?: unknown } };
  try {
    e = JSON.parse(raw) as typeof e;
  } catch {
    return { status: 400, why: 'the body is not JSON' };
  }
  if (e.routing_key !== routingKey) return { status: 400, why: 'routing_key is not the integration key of this service' };
  if (typeof e.event_action !== 'string' || !PAGERDUTY_ACTIONS.includes(e.event_action)) return { status: 400, why: `event_action must be one of ${PAGERDUTY_ACTIONS.join(', ')}` };
  if (e.event_action !== 'trigger') return typeof e.dedup_key === 'string' && e.dedup_key ? undefined : { status: 400, why: `${e.event_action} needs a dedup_key` };
  const p = e.payload;
  if (!p || typeof p.summary !== 'string' || !p.summary || typeof p.source !== 'string' || !p.source) return { status: 400, why: 'a trigger needs payload.summary and payload.source' };
  if (typeof p.severity !== 'string' || !PAGERDUTY_SEVERITIES.includes(p.severity)) return { status: 400, why: `payload.severity must be one of ${PAGERDUTY_SEVERITIES.join(', ')}` };
  return undefined;
}
