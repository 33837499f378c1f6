import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../lib/clock.js';
import { randomSecret } from '../lib/ids.js';
import type { Database } from '../store/index.js';
import { getOrCreateNotifyKey } from '../store/repos/outbox.js';
import type { ActionLinks, Notification } from './types.js';

/**
 * Acknowledge and resolve links that work without logging in: the link carries a token naming the
 * incident, the action, an expiry and (when paged) the person, signed with HMAC-SHA256 under a key
 * opsbook generates and keeps in its store. Token: base64url(JSON claims) "." base64url(MAC).
 */

export type ActionName = 'acknowledge' | 'resolve';

export interface ActionClaims {
  incidentId: string;
  action: ActionName;
  /** Epoch ms after which the link no longer works. */
  expiresAt: number;
  /** Who the link was sent to; the incident timeline credits them. */
  user?: string;
  /** How many times the incident had been re-opened when the link was made: it acts on that opening only. */
  epoch?: number;
}

export type ActionTokenCheck =
  | { ok: true; claims: ActionClaims }
  | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' };

/** Name of the action-link key in `notify_keys`. */
export const ACTION_KEY_NAME = 'action-links';
/** How long a link works, from the moment its message was enqueued (or re-driven). */
export const DEFAULT_ACTION_LINK_TTL_MS = 7 * 24 * 3_600_000;

const mac = (payload: string, key: Uint8Array | KeyObject): Buffer => createHmac('sha256', key).update(payload).digest();

export function createActionToken(claims: ActionClaims, key: Uint8Array | KeyObject): string {
  const compact = { i: claims.incidentId, a: claims.action, e: claims.expiresAt, ...(claims.user ? { u: claims.user } : {}), ...(claims.epoch !== undefined ? { r: claims.epoch } : {}) };
  const payload = Buffer.from(JSON.stringify(compact)).toString('base64url');
  return `${payload}.${mac(payload, key).toString('base64url')}`;
}

/** Checks the MAC in constant time before reading the claims, then the expiry against the clock. */
export function verifyActionToken(token: string, key: Uint8Array | KeyObject, clock: Clock): ActionTokenCheck {
  const parts = token.split('.');
  if (parts.length !== 2 || !/^[A-Za-z0-9_-]+$/.test(parts[0]!) || !/^[A-Za-z0-9_-]+$/.test(parts[1]!)) return { ok: false, reason: 'malformed' };
  const [payload, sig] = parts as [string, string];
  const given = Buffer.from(sig, 'base64url');
  const expected = mac(payload, key);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad_signature' };
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const c = raw as { i?: unknown; a?: unknown; e?: unknown; u?: unknown; r?: unknown };
  if (typeof c.i !== 'string' || (c.a !== 'acknowledge' && c.a !== 'resolve') || typeof c.e !== 'number' || (c.u !== undefined && typeof c.u !== 'string')) {
    return { ok: false, reason: 'malformed' };
  }
  if (c.r !== undefined && !(typeof c.r === 'number' && Number.isInteger(c.r) && c.r >= 0)) return { ok: false, reason: 'malformed' };
  if (clock.now() >= c.e) return { ok: false, reason: 'expired' };
  return { ok: true, claims: { incidentId: c.i, action: c.a, expiresAt: c.e, ...(c.u ? { user: c.u } : {}), ...(c.r !== undefined ? { epoch: c.r } : {}) } };
}

/** `${public_url}/a/<token>`: the route that consumes it lives in http/. */
export function actionUrl(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/a/${token}`;
}

/** The action-link key, generated on first use and kept in the store (never in config). */
export async function loadActionKey(db: Kysely<Database>, clock: Clock): Promise<Buffer> {
  const secret = await getOrCreateNotifyKey(db, ACTION_KEY_NAME, () => randomSecret(32), clock.now());
  return Buffer.from(secret, 'base64url');
}

// Which links make sense after each event: nothing to acknowledge once acknowledged or resolved.
const ACTIONS_AFTER: Record<string, ActionName[]> = {
  'incident.triggered': ['acknowledge', 'resolve'],
  'incident.escalated': ['acknowledge', 'resolve'],
  'incident.reopened': ['acknowledge', 'resolve'],
  'incident.severity_raised': ['acknowledge', 'resolve'],
  'incident.acknowledged': ['resolve'],
};

/** Builds the links a message carries. */
export class ActionLinkSigner {
  /** The key imported once: every message signs two links with it. */
  private readonly key: KeyObject;

  constructor(
    key: Uint8Array,
    /** Where links point; a config reload may move it (`setPublicUrl`). */
    private publicUrl: string,
    readonly ttlMs: number = DEFAULT_ACTION_LINK_TTL_MS,
  ) {
    this.key = createSecretKey(key);
  }

  /** Links made from now on point at `url` (a reload changed `server.public_url`). */
  setPublicUrl(url: string): void {
    this.publicUrl = url;
  }

  /** Where links point now. */
  get url(): string {
    return this.publicUrl;
  }

  /** The key's bytes, for a signer on another thread (see SendThread). */
  exportKey(): Uint8Array {
    return this.key.export();
  }

  static async fromStore(db: Kysely<Database>, clock: Clock, publicUrl: string, ttlMs?: number): Promise<ActionLinkSigner> {
    return new ActionLinkSigner(await loadActionKey(db, clock), publicUrl, ttlMs);
  }

  /**
   * Links for one message. `issuedAt` is fixed per message (its enqueue or re-drive time), so the
   * tokens, and with them the bytes of every retry, are the same each time.
   */
  linksFor(n: Notification, issuedAt: number): ActionLinks {
    if (!n.incident) return {};
    const links: ActionLinks = {};
    for (const action of ACTIONS_AFTER[n.event] ?? []) {
      const token = createActionToken(
        {
          incidentId: n.incident.id,
          action,
          expiresAt: issuedAt + this.ttlMs,
          ...(n.recipient ? { user: n.recipient.user } : {}),
          ...(n.incidentEpoch !== undefined ? { epoch: n.incidentEpoch } : {}),
        },
        this.key,
      );
      links[action] = actionUrl(this.publicUrl, token);
    }
    return links;
  }

  verify(token: string, clock: Clock): ActionTokenCheck {
    return verifyActionToken(token, this.key, clock);
  }
}
