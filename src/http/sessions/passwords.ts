import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { OpsbookError } from '../../lib/errors/index.js';

/** scrypt cost. Stored with each hash, so raising it later leaves existing hashes verifiable. */
export interface ScryptCost {
  /** CPU/memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
}

// 2^15 × 8 × 128 B = 32 MiB and about half a second per hash on a small shared machine: slow
// enough to make offline guessing expensive, quick enough that a person signing in does not wait.
export const DEFAULT_SCRYPT_COST: ScryptCost = { N: 2 ** 15, r: 8, p: 1 };
const KEY_BYTES = 32;
const SALT_BYTES = 16;
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 1024;

function scrypt(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  const options: ScryptOptions = { N: cost.N, r: cost.r, p: cost.p, maxmem: 256 * cost.N * cost.r * cost.p + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scryptCb(password.normalize('NFC'), salt, KEY_BYTES, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** Refuses passwords too short to resist guessing, and absurdly long ones (hashing cost). */
export function checkPasswordStrength(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new OpsbookError('OPSBOOK_E_PASSWORD_WEAK', `a password needs at least ${MIN_PASSWORD_LENGTH} characters (got ${password.length})`, { location: { path: 'password' } });
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw new OpsbookError('OPSBOOK_E_PASSWORD_WEAK', `a password may have at most ${MAX_PASSWORD_LENGTH} characters`, { location: { path: 'password' } });
  }
}

/** `scrypt$N$r$p$SALT$KEY`, salt and key base64url; a fresh random salt per call. */
export async function hashPassword(password: string, cost: ScryptCost = DEFAULT_SCRYPT_COST): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await scrypt(password, salt, cost);
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

function parseHash(stored: string): { cost: ScryptCost; salt: Buffer; key: Buffer } | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0) || (N & (N - 1)) !== 0) return undefined;
  return { cost: { N, r, p }, salt: Buffer.from(parts[4]!, 'base64url'), key: Buffer.from(parts[5]!, 'base64url') };
}

/** True when `password` hashes to `stored`; the comparison takes the same time wherever they differ. */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed || password.length > MAX_PASSWORD_LENGTH) return false;
  const key = await scrypt(password, parsed.salt, parsed.cost);
  return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
}

/** The cost a burn spends: that of `like`, a stored hash (the one a real verification would check), or the default. */
export function burnCost(like: string | undefined): ScryptCost {
  return (like === undefined ? undefined : parseHash(like)?.cost) ?? DEFAULT_SCRYPT_COST;
}

/** A hash of no password per cost (there are as few as the costs hashes were stored at). */
const dummies = new Map<string, Promise<string>>();

/**
 * Spends the time a real verification would for a user without a password (or no such user), so
 * the answer's timing does not tell which names exist: a verification at the cost of `like`, a
 * stored hash (see burnCost). At a fixed cost it would differ from the stored hashes' once their
 * cost is not that one (hashes kept from before the cost was raised, or set at another).
 */
export async function burnVerification(password: string, like?: string): Promise<false> {
  const cost = burnCost(like);
  const key = `${cost.N}$${cost.r}$${cost.p}`;
  let dummy = dummies.get(key);
  if (!dummy) dummies.set(key, (dummy = hashPassword('opsbook-no-such-password', cost)));
  await verifyPassword(await dummy, password);
  return false;
}
