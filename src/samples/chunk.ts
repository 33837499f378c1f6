import type { StoredSample } from '../promql/index.js';

/**
 * One series' samples of one chunk window, packed: a varint count, the first timestamp, then per
 * sample the delta-of-delta of its timestamp (zigzag varint) and its value XORed with the previous
 * one, written as a byte saying how many leading and trailing zero bytes the XOR has plus the bytes
 * between (Gorilla's idea on byte boundaries: simpler to read, and a steady scrape interval with a
 * slowly moving counter still costs 2–4 bytes a sample). Values keep their exact bits, so
 * Prometheus' stale NaN (0x7ff0000000000002) survives the round trip and stays distinct from NaN.
 */
const STALE_HI = 0x7ff00000;
const STALE_LO = 0x00000002;

const f64 = new DataView(new ArrayBuffer(8));

class Writer {
  bytes = new Uint8Array(64);
  length = 0;

  byte(b: number): void {
    if (this.length === this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes[this.length++] = b;
  }

  /** An unsigned integer up to 2^53, seven bits a byte (arithmetic, not bit operators: they stop at 32 bits). */
  varint(n: number): void {
    while (n >= 0x80) {
      this.byte((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    this.byte(n);
  }

  zigzag(n: number): void {
    this.varint(n >= 0 ? n * 2 : -n * 2 - 1);
  }
}

class Reader {
  pos = 0;
  constructor(private readonly bytes: Uint8Array) {}

  byte(): number {
    if (this.pos >= this.bytes.length) throw new Error('sample chunk is truncated');
    return this.bytes[this.pos++]!;
  }

  varint(): number {
    let n = 0;
    let scale = 1;
    for (;;) {
      const b = this.byte();
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 0x80;
    }
  }

  zigzag(): number {
    const n = this.varint();
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  }
}

function bitsOf(s: StoredSample): [number, number] {
  if (s.stale) return [STALE_HI, STALE_LO];
  f64.setFloat64(0, s.v);
  return [f64.getUint32(0), f64.getUint32(4)];
}

/** Packs samples in time order (timestamps strictly increasing). */
export function encodeChunk(samples: readonly StoredSample[]): Uint8Array {
  const w = new Writer();
  w.varint(samples.length);
  let prevT = 0;
  let prevDelta = 0;
  let prevHi = 0;
  let prevLo = 0;
  const x = new Uint8Array(8);
  samples.forEach((s, i) => {
    if (i === 0) w.zigzag(s.t);
    else {
      const delta = s.t - prevT;
      w.zigzag(delta - prevDelta);
      prevDelta = delta;
    }
    prevT = s.t;
    const [hi, lo] = bitsOf(s);
    const xh = (hi ^ prevHi) >>> 0;
    const xl = (lo ^ prevLo) >>> 0;
    prevHi = hi;
    prevLo = lo;
    if (xh === 0 && xl === 0) {
      w.byte(0x80);
      return;
    }
    x[0] = xh >>> 24;
    x[1] = (xh >>> 16) & 0xff;
    x[2] = (xh >>> 8) & 0xff;
    x[3] = xh & 0xff;
    x[4] = xl >>> 24;
    x[5] = (xl >>> 16) & 0xff;
    x[6] = (xl >>> 8) & 0xff;
    x[7] = xl & 0xff;
    let lead = 0;
    while (x[lead] === 0) lead++;
    let trail = 0;
    while (x[7 - trail] === 0) trail++;
    w.byte((lead << 4) | trail);
    for (let k = lead; k < 8 - trail; k++) w.byte(x[k]!);
  });
  return w.bytes.slice(0, w.length);
}

/** The samples of a packed chunk, in time order. */
export function decodeChunk(bytes: Uint8Array): StoredSample[] {
  const r = new Reader(bytes);
  const count = r.varint();
  const out: StoredSample[] = new Array(count);
  let t = 0;
  let delta = 0;
  let hi = 0;
  let lo = 0;
  const x = new Uint8Array(8);
  for (let i = 0; i < count; i++) {
    if (i === 0) t = r.zigzag();
    else {
      delta += r.zigzag();
      t += delta;
    }
    const head = r.byte();
    if (head !== 0x80) {
      const lead = head >>> 4;
      const trail = head & 0x0f;
      x.fill(0);
      for (let k = lead; k < 8 - trail; k++) x[k] = r.byte();
      hi = (hi ^ ((x[0]! << 24) | (x[1]! << 16) | (x[2]! << 8) | x[3]!)) >>> 0;
      lo = (lo ^ ((x[4]! << 24) | (x[5]! << 16) | (x[6]! << 8) | x[7]!)) >>> 0;
    }
    if (hi === STALE_HI && lo === STALE_LO) out[i] = { t, v: Number.NaN, stale: true };
    else {
      f64.setUint32(0, hi);
      f64.setUint32(4, lo);
      out[i] = { t, v: f64.getFloat64(0) };
    }
  }
  return out;
}
