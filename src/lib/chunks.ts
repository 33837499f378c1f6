/**
 * Calls `each(i)` for i from `from` up to `to`, `size` calls at a time, letting the event loop run
 * between two chunks: work over tens of thousands of items (a start with that many checks) does not
 * hold up everything else the process serves.
 */
export async function eachInChunks(from: number, to: number, size: number, each: (i: number) => void): Promise<void> {
  for (let i = from; i < to; i += size) {
    if (i > from) await new Promise((r) => setImmediate(r));
    for (let k = i; k < Math.min(i + size, to); k++) each(k);
  }
}
