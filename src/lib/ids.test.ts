import { describe, expect, it } from 'vitest';
import { newId } from './ids.js';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** The time part as the id's definition gives it: 10 Crockford base32 digits of the milliseconds. */
function timePart(at: number): string {
  let s = '';
  for (let i = 0, t = at; i < 10; i++, t = Math.floor(t / 32)) s = ALPHABET[t % 32]! + s;
  return s;
}

describe('newId', () => {
  it('is the prefix, an underscore, 10 characters of time and 16 random ones, all from the alphabet', () => {
    const at = Date.UTC(2026, 11, 7, 5, 14, 9, 123);
    const id = newId('inc', at);
    expect(id).toMatch(/^inc_[0-9a-hjkmnp-tv-z]{26}$/);
    expect(id.slice(4, 14)).toBe(timePart(at));
  });

  it('gives each instant its own time part, also when instants alternate and repeat', () => {
    const instants = [0, 1, 31, 32, 1_765_000_000_000, 1_765_000_000_001, 1_765_000_000_000, 2 ** 45, 1];
    for (const at of instants) expect(newId('tl', at).slice(3, 13)).toBe(timePart(at));
  });

  it('sorts by creation time, and ids of one instant differ', () => {
    const ids = [newId('tl', 1_000), newId('tl', 2_000), newId('tl', 1_500), newId('tl', 2_000)];
    expect([...ids].sort()).toEqual([ids[0], ids[2], ids[1], ids[3]].sort());
    expect(ids[1]! < ids[0]!).toBe(false);
    expect(ids[2]! > ids[0]! && ids[2]! < ids[1]!).toBe(true);
    const many = new Set(Array.from({ length: 5_000 }, () => newId('tl', 42)));
    expect(many.size).toBe(5_000);
  });

  it('takes any prefix, long or short, without leaking one into the next id', () => {
    const long = newId('subscription-confirmation', 7);
    expect(long).toMatch(/^subscription-confirmation_[0-9a-hjkmnp-tv-z]{26}$/);
    expect(newId('a', 7)).toMatch(/^a_[0-9a-hjkmnp-tv-z]{26}$/);
    expect(newId('évé', 7)).toMatch(/^évé_[0-9a-hjkmnp-tv-z]{26}$/);
    expect(newId('tl', 7.6).slice(3, 13)).toBe(timePart(7));
  });

  it('uses the current time when no instant is given', () => {
    const before = Date.now();
    const id = newId('x');
    const after = Date.now();
    const t = id.slice(2, 12);
    expect(t >= timePart(before) && t <= timePart(after)).toBe(true);
  });
});
