/** The server side of SCRAM-SHA-256 (RFC 5802 / RFC 7677) as MongoDB runs it in saslStart/saslContinue. */
import { Binary, type Document } from 'bson';
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

const ITERATIONS = 4096;
const hmac = (key: Buffer, text: string): Buffer => createHmac('sha256', key).update(text).digest();
const sha256 = (b: Buffer): Buffer => createHash('sha256').update(b).digest();

function attributes(text: string): Record<string, string> {
  return Object.fromEntries(text.split(',').map((p) => [p.slice(0, 1), p.slice(2)]));
}

const failed = { ok: 0, errmsg: 'Authentication failed.', code: 18, codeName: 'AuthenticationFailed' };

/**
 * Each user's salt and salted password, made once: as a real server stores them with the user, so
 * every conversation offers the same salt. A fresh salt per connection made both sides derive the
 * key again (4096 PBKDF2 rounds each) on every probe; with the stored one the driver reuses its own.
 */
const credentials = new Map<string, { salt: Buffer; salted: Buffer }>();
function credentialOf(user: string, password: string): { salt: Buffer; salted: Buffer } {
  const key = `${user}\0${password}`;
  let c = credentials.get(key);
  if (!c) {
    const salt = randomBytes(16);
    c = { salt, salted: pbkdf2Sync(password, salt, ITERATIONS, 32, 'sha256') };
    credentials.set(key, c);
  }
  return c;
}

/** One connection's SCRAM conversation against `users` (name → password; ASCII, so SASLprep is the identity). */
export function scramServer(users: Record<string, string>): { step(command: Document): Document; authenticated(): boolean } {
  let done = false;
  let conversation: { user: string; clientFirstBare: string; serverFirst: string; nonce: string; salt: Buffer } | undefined;
  return {
    authenticated: () => done,
    step(command) {
      const payload = Buffer.from((command.payload as Binary).buffer).toString('utf8');
      if (command.saslStart) {
        if (command.mechanism !== 'SCRAM-SHA-256') return { ok: 0, errmsg: `unsupported mechanism ${String(command.mechanism)}`, code: 2, codeName: 'BadValue' };
        const clientFirstBare = payload.replace(/^[^,]*,[^,]*,/, '');
        const a = attributes(clientFirstBare);
        const nonce = `${a.r}${randomBytes(18).toString('base64')}`;
        // An unknown user is offered a salt all the same (as a server does), and fails at the proof.
        const password = users[a.n ?? ''];
        const salt = password === undefined ? randomBytes(16) : credentialOf(a.n ?? '', password).salt;
        const serverFirst = `r=${nonce},s=${salt.toString('base64')},i=${ITERATIONS}`;
        conversation = { user: a.n ?? '', clientFirstBare, serverFirst, nonce, salt };
        return { conversationId: 1, done: false, payload: new Binary(Buffer.from(serverFirst)), ok: 1 };
      }
      if (!conversation) return failed;
      const a = attributes(payload);
      const password = users[conversation.user];
      const withoutProof = payload.replace(/,p=[^,]*$/, '');
      if (password === undefined || a.r !== conversation.nonce || !a.p) return failed;
      const salted = credentialOf(conversation.user, password).salted;
      const clientKey = hmac(salted, 'Client Key');
      const authMessage = `${conversation.clientFirstBare},${conversation.serverFirst},${withoutProof}`;
      const signature = hmac(sha256(clientKey), authMessage);
      const proof = Buffer.from(a.p, 'base64');
      if (proof.length !== signature.length) return failed;
      const recovered = Buffer.from(proof.map((b, i) => b ^ signature[i]!));
      if (!timingSafeEqual(sha256(recovered), sha256(clientKey))) return failed;
      done = true;
      const serverSignature = hmac(hmac(salted, 'Server Key'), authMessage).toString('base64');
      return { conversationId: 1, done: true, payload: new Binary(Buffer.from(`v=${serverSignature}`)), ok: 1 };
    },
  };
}
