import { randomBytes, randomFillSync } from 'node:crypto';

/** Random bytes drawn in blocks: one system call per 256 ids instead of one per id. */
const pool = Buffer.alloc(4096);
let poolUsed = pool.length;

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
  if (poolUsed + 16 > pool.length) {
    randomFillSync(pool);
    poolUsed = 0;
  }
  let rand = '';
  for (let i = poolUsed; i < poolUsed + 16; i++) rand += ALPHABET[pool[i]! % 32];
  poolUsed += 16;
  return `${prefix}_${time}${rand}`;
}

/** A random secret of `bytes` bytes, URL-safe base64. */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
