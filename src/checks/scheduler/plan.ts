import { createHash } from 'node:crypto';

/**
 * A check's phase inside its interval, from its id alone: the same id always runs at the same
 * offset, ids spread evenly, and a restart lands on the same grid, so nothing bursts at start and
 * no state has to be kept to resume the plan. The phase falls on a multiple of `slotMs` (the
 * scheduler's tick), so a check whose interval is a whole number of ticks is due exactly on a tick.
 */
export function phaseOf(id: string, intervalMs: number, slotMs = 1): number {
  const h = createHash('sha1').update(id).digest();
  // 48 bits: uniform enough for any interval up to days at ms resolution.
  const slots = Math.max(1, Math.floor(intervalMs / slotMs));
  return (h.readUIntBE(0, 6) % slots) * slotMs;
}

/** The first tick (a multiple of `tickMs` since the epoch) at or after `at`. */
export function tickAt(at: number, tickMs: number): number {
  return Math.ceil(at / tickMs) * tickMs;
}

/** The first planned instant at or after `notBefore` on the check's grid (phase + k × interval). */
export function nextSlot(notBefore: number, phase: number, intervalMs: number): number {
  const offset = (((phase - notBefore) % intervalMs) + intervalMs) % intervalMs;
  return notBefore + offset;
}

/** A binary min-heap of planned runs, ordered by instant then insertion. */
export class PlanHeap<T extends { due: number; seq: number }> {
  private items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }

  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && less(a[l]!, a[m]!)) m = l;
        if (r < a.length && less(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }

  clear(): void {
    this.items = [];
  }
}

function less(a: { due: number; seq: number }, b: { due: number; seq: number }): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}
