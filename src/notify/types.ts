import type http from 'node:http';
import type https from 'node:https';
import type { Clock } from '../lib/clock.js';
import type { ChannelConfig } from '../config/schema/channels.js';

export type NotificationEvent =
  | 'incident.triggered'
  | 'incident.escalated'
  | 'incident.acknowledged'
  | 'incident.resolved'
  | 'incident.reopened'
  | 'incident.severity_raised'
  | 'test';

/** The incident as a notification shows it; `url` is its page on `server.public_url`. */
export interface NotificationIncident {
  id: string;
  title: string;
  severity: string;
  status: string;
  url: string;
  service?: string;
  summary?: string;
  /** The procedure (`FILE#ID`) the incident links, when it links one. */
  runbook?: string;
  /** Where the runbook is read: its page in opsbook's web UI (or its own address). */
  runbookUrl?: string;
  /** When the incident opened (epoch ms); absent in messages enqueued before it was carried. */
  openedAt?: number;
}

/** What the incident and escalation engines hand to the outbox. */
export interface Notification {
  channelId: string;
  event: NotificationEvent | (string & {});
  incident?: NotificationIncident;
  /** The person paged, when a step targets someone: their name and address on this channel. */
  recipient?: { user: string; address: string; contact?: string };
  /** The incident's re-open count when this was enqueued; its action links act on that opening only. */
  incidentEpoch?: number;
  /** Enqueueing the same key twice on one channel keeps one message (safe to call again after a crash). */
  dedupKey?: string;
  /**
   * A message to someone outside the team (a status-page subscriber): sent as written, with its own
   * links and no incident facts or action links.
   */
  letter?: Letter;
  /** A shift reminder's shift (`oncall.shift_reminder`): ISO instants; `end` when known. */
  shift?: { schedule: string; user: string; start: string; end?: string };
}

/** A plain message with a subject, a body and links, for people outside the team. */
export interface Letter {
  subject: string;
  text: string;
  links: Array<{ label: string; url: string }>;
}

/** Acknowledge / resolve links signed for the incident; they work without logging in. */
export interface ActionLinks {
  acknowledge?: string;
  resolve?: string;
}

/** One message as a channel sends it: the outbox id is the stable id every retry carries. */
export interface OutboundMessage {
  /** `msg_…`: the outbox row id, sent as `webhook-id` (and Message-ID for email). */
  id: string;
  /** When the message was enqueued (epoch ms); the webhook body's timestamp. */
  createdAt: number;
  /** 1 for the first attempt. */
  attempt: number;
  notification: Notification;
  links: ActionLinks;
}

export type DeliveryOutcome =
  | { ok: true; status?: number; detail?: string }
  | { ok: false; retryable: boolean; status?: number; error: string; retryAfterMs?: number; detail?: string };

export interface SendContext {
  /** Aborted when the worker stops past its deadline. */
  signal: AbortSignal;
  clock: Clock;
  /**
   * The channel's own keep-alive connection pool (see ChannelConnections). Without it (a test send, a
   * Slack response_url) a send uses a pool shared by such sends, with no cap on its sockets.
   */
  agents?: ChannelAgents;
}

/** A connection pool: one keep-alive agent per protocol. */
export interface ChannelAgents {
  http: http.Agent;
  https: https.Agent;
}

/** One channel kind: renders and sends a message. Each kind lives in `channels/<kind>/`. */
export interface ChannelKind<C extends ChannelConfig = ChannelConfig> {
  kind: C['kind'];
  send(message: OutboundMessage, channel: C, ctx: SendContext): Promise<DeliveryOutcome>;
}

/** The subset of a pino logger the outbox uses. */
export interface NotifyLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: NotifyLogger = { debug() {}, info() {}, warn() {}, error() {} };
