import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * A sortable id: 10 chars of time (ms, Crockford base32) then 16 random chars. Sorting ids sorts
 * by creation time, which keeps "newest first" lists on an index.
 */
export function newId(prefix: string, at: number = Date.now()): string {
  let time = '';
  let t = at;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  const bytes = randomBytes(16);
  let rand = '';
  for (const b of bytes) rand += ALPHABET[b % 32];
  return `${prefix}_${time}${rand}`;
}

/** A random secret of `bytes` bytes, URL-safe base64. */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
