import { MINUTE } from './windows.js';

/**
 * Cumulative good/total per minute for one SLO, so the sum over any window is two lookups: a
 * tick evaluates eight windows up to 3 days long in constant time. Old minutes are dropped once
 * they fall out of the longest window.
 */
export class MinuteSeries {
  private base: number | undefined;
  private cumGood: number[] = [0];
  private cumTotal: number[] = [0];

  constructor(private readonly keepMs: number) {}

  /** First minute not yet loaded (undefined before the first load). */
  get loadedTo(): number | undefined {
    return this.base === undefined ? undefined : this.base + (this.cumGood.length - 1) * MINUTE;
  }

  /** Starts the series at `from` when empty. */
  startAt(from: number): void {
    if (this.base === undefined) this.base = from;
  }

  /** Appends minutes up to `to` (exclusive); `rows` are sparse, in time order, within the range. */
  append(rows: readonly { start: number; good: number; total: number }[], to: number): void {
    if (this.base === undefined) throw new Error('MinuteSeries.append before startAt');
    let i = 0;
    for (let m = this.loadedTo!; m < to; m += MINUTE) {
      let g = 0;
      let t = 0;
      while (i < rows.length && rows[i]!.start <= m) {
        if (rows[i]!.start === m) {
          g += rows[i]!.good;
          t += rows[i]!.total;
        }
        i++;
      }
      this.cumGood.push(this.cumGood[this.cumGood.length - 1]! + g);
      this.cumTotal.push(this.cumTotal[this.cumTotal.length - 1]! + t);
    }
  }

  /** Good and total over [from, to), clipped to what is loaded. */
  sum(from: number, to: number): { good: number; total: number } {
    if (this.base === undefined) return { good: 0, total: 0 };
    const idx = (at: number) => Math.max(0, Math.min(this.cumGood.length - 1, Math.floor((at - this.base!) / MINUTE)));
    const a = idx(from);
    const b = idx(to);
    return { good: this.cumGood[b]! - this.cumGood[a]!, total: this.cumTotal[b]! - this.cumTotal[a]! };
  }

  /** Forgets minutes that no window ending at `end` or later can reach. */
  trim(end: number): void {
    if (this.base === undefined) return;
    const drop = Math.floor((end - this.keepMs - this.base) / MINUTE);
    // Drop in chunks: splicing a day at a time keeps the arrays short without shifting every minute.
    if (drop < 1440) return;
    this.cumGood.splice(0, drop);
    this.cumTotal.splice(0, drop);
    this.base += drop * MINUTE;
  }
}
