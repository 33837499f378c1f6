/**
 * A push service and browser in one, on loopback, checking what they check: the VAPID JWT
 * (RFC 8292: ES256 over the `k=` key, audience = this origin, expiry within 24 h) and the
 * aes128gcm payload (RFC 8188 / RFC 8291), decrypted with the subscription's own private key.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PushDelivery {
  path: string;
  ttl: string | undefined;
  jwt: { aud: string; exp: number; sub: string };
  vapidKey: string;
  payload: unknown;
}

export interface PushReceiver {
  origin: string;
  subscription: { endpoint: string; keys: { p256dh: string; auth: string } };
  delivered: PushDelivery[];
  refused: string[];
  /** Requests to an endpoint ending in `/gone`, answered 410 like a push service whose browser unsubscribed. */
  gone: string[];
  close(): Promise<void>;
}

const hmac = (key: Buffer, data: Buffer): Buffer => crypto.createHmac('sha256', key).update(data).digest();

/** RFC 8291 §3.4 key derivation and RFC 8188 decryption of a single-record aes128gcm body. */
export function decryptAes128gcm(body: Buffer, ua: crypto.ECDH, auth: Buffer): Buffer {
  const salt = body.subarray(0, 16);
  const idlen = body[20]!;
  const asPublic = body.subarray(21, 21 + idlen);
  const ciphertext = body.subarray(21 + idlen);
  const uaPublic = ua.getPublicKey();
  const ecdhSecret = ua.computeSecret(asPublic);
  const prkKey = hmac(auth, ecdhSecret);
  const ikm = hmac(prkKey, Buffer.concat([Buffer.from('WebPush: info\0'), uaPublic, asPublic, Buffer.from([1])]));
  const prk = hmac(salt, ikm);
  const cek = hmac(prk, Buffer.from('Content-Encoding: aes128gcm\0\x01')).subarray(0, 16);
  const nonce = hmac(prk, Buffer.from('Content-Encoding: nonce\0\x01')).subarray(0, 12);
  const decipher = crypto.createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('no last-record delimiter');
  return padded.subarray(0, end);
}

/** Checks `Authorization: vapid t=JWT, k=KEY`; answers the JWT claims or throws why not. */
export function verifyVapid(header: string | undefined, origin: string, now: number): { claims: PushDelivery['jwt']; key: string } {
  const m = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header ?? '');
  if (!m) throw new Error(`no vapid authorization: ${header}`);
  const [h, p, s] = m[1]!.split('.');
  const raw = Buffer.from(m[2]!, 'base64url');
  if (raw.length !== 65 || raw[0] !== 4) throw new Error('k is not an uncompressed P-256 key');
  const key = crypto.createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: raw.subarray(1, 33).toString('base64url'), y: raw.subarray(33).toString('base64url') }, format: 'jwk' });
  const header_ = JSON.parse(Buffer.from(h!, 'base64url').toString()) as { alg: string };
  if (header_.alg !== 'ES256') throw new Error(`alg ${header_.alg}`);
  if (!crypto.verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(s!, 'base64url'))) throw new Error('bad JWT signature');
  const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as PushDelivery['jwt'];
  if (claims.aud !== origin) throw new Error(`aud ${claims.aud} is not ${origin}`);
  if (!(claims.exp * 1000 > now && claims.exp * 1000 <= now + 24 * 3_600_000 + 60_000)) throw new Error(`exp ${claims.exp} out of range`);
  if (!/^(mailto:|https:\/\/)/.test(claims.sub)) throw new Error(`sub ${claims.sub}`);
  return { claims, key: m[2]! };
}

export async function startPushReceiver(): Promise<PushReceiver> {
  const ua = crypto.createECDH('prime256v1');
  ua.generateKeys();
  const auth = crypto.randomBytes(16);
  const delivered: PushDelivery[] = [];
  const refused: string[] = [];
  const gone: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url?.endsWith('/gone')) {
        gone.push(req.url);
        res.writeHead(410).end('push subscription has unsubscribed or expired');
        return;
      }
      try {
        if (req.headers['content-encoding'] !== 'aes128gcm') throw new Error(`content-encoding ${req.headers['content-encoding']}`);
        const { claims, key } = verifyVapid(req.headers.authorization, origin, Date.now());
        const payload = JSON.parse(decryptAes128gcm(Buffer.concat(chunks), ua, auth).toString('utf8')) as unknown;
        delivered.push({ path: req.url ?? '', ttl: req.headers.ttl as string | undefined, jwt: claims, vapidKey: key, payload });
        res.writeHead(201).end();
      } catch (e) {
        refused.push((e as Error).message);
        res.writeHead(400).end((e as Error).message);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    subscription: { endpoint: `${origin}/push/sub-1`, keys: { p256dh: ua.getPublicKey().toString('base64url'), auth: auth.toString('base64url') } },
    delivered,
    refused,
    gone,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
