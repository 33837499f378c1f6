import { randomBytes, randomFillSync } from 'node:crypto';

/** Random bytes drawn in blocks: one system call per 256 ids instead of one per id. */
const pool = Buffer.alloc(4096);
let poolUsed = pool.length;

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const DIGITS = Buffer.from(ALPHABET, 'latin1');
const TIME_CHARS = 10;
const RANDOM_CHARS = 16;

/**
 * An id is written as bytes into this buffer and read out as one string: built a character at a
 * time it was some 26 intermediate strings per id, several ids per alert (a timeline line, an
 * outbox row, a delivery…), each copied again when SQLite binds it.
 */
const scratch = Buffer.alloc(128);
/** The time part of the last instant asked for: ids of one alert share their instant. */
const lastTime = Buffer.alloc(TIME_CHARS);
let lastAt = NaN;
/** Each prefix with its underscore, as bytes (a handful of literals); undefined for one that is not plain ASCII. */
const prefixes = new Map<string, Buffer | undefined>();

function prefixBytes(prefix: string): Buffer | undefined {
  if (prefixes.has(prefix)) return prefixes.get(prefix);
  const bytes = /^[\x20-\x7e]{0,64}$/.test(prefix) ? Buffer.from(`${prefix}_`, 'latin1') : undefined;
  if (prefixes.size >= 256) prefixes.clear();
  prefixes.set(prefix, bytes);
  return bytes;
}

/**
 * A sortable id: 10 chars of time (ms, Crockford base32) then 16 random chars. Sorting ids sorts
 * by creation time, which keeps "newest first" lists on an index.
 */
export function newId(prefix: string, at: number = Date.now()): string {
  if (at !== lastAt) {
    // A fractional instant (a simulated clock's) is its millisecond.
    let t = Math.floor(at);
    for (let i = TIME_CHARS - 1; i >= 0; i--) {
      lastTime[i] = DIGITS[t % 32]!;
      t = Math.floor(t / 32);
    }
    lastAt = at;
  }
  if (poolUsed + RANDOM_CHARS > pool.length) {
    randomFillSync(pool);
    poolUsed = 0;
  }
  const head = prefixBytes(prefix);
  const start = head ? head.copy(scratch, 0) : 0;
  lastTime.copy(scratch, start);
  const rand = start + TIME_CHARS;
  for (let i = 0; i < RANDOM_CHARS; i++) scratch[rand + i] = DIGITS[pool[poolUsed + i]! % 32]!;
  poolUsed += RANDOM_CHARS;
  const id = scratch.toString('latin1', 0, rand + RANDOM_CHARS);
  return head ? id : `${prefix}_${id}`;
}

/** A random secret of `bytes` bytes, URL-safe base64. */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
