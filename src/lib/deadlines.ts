import type { Clock } from './clock.js';

/** The deadlines of one length (e.g. every 5 s check timeout), in the order they were added. */
interface Lane {
  ms: number;
  at: number[];
  fn: Array<(() => void) | undefined>;
  /** First entry not yet fired or dropped. */
  head: number;
  /** How many entries were compacted away before index 0 (entry ids stay stable). */
  offset: number;
}

/**
 * Many deadlines behind one clock timer: the timeouts of every run in flight. Deadlines of one
 * length added over time fall due in the order they were added, so each length keeps a plain
 * first-in first-out lane (two arrays, no object per entry) and the one timer is armed for the
 * earliest live head. A cancelled deadline only clears its callback; the lane drops it when the
 * timer passes it. Thousands of runs a second then cost no timer, and no closure kept alive, each.
 *
 * Same contract as Clock.at: `fn` runs once at (or as soon as possible after) its instant, never
 * inside `after` itself; deadlines due at the same instant run in the order they were added.
 */
export class Deadlines {
  private readonly lanes = new Map<number, Lane>();
  private cancelTimer: (() => void) | undefined;
  private armedFor = Infinity;
  /** Deadlines neither fired nor cancelled: at none, the timer is taken off (nothing waits on a clock for nothing). */
  private live = 0;

  constructor(private readonly clock: Clock) {}

  /** Calls `fn` once `ms` from now unless the returned function is called first. */
  after(ms: number, fn: () => void): () => void {
    const at = this.clock.now() + ms;
    let lane = this.lanes.get(ms);
    if (!lane) {
      lane = { ms, at: [], fn: [], head: 0, offset: 0 };
      this.lanes.set(ms, lane);
    }
    const last = lane.at.length > lane.head ? lane.at[lane.at.length - 1]! : -Infinity;
    // A clock that moved back would break the lane's order: such a deadline gets a timer of its own.
    if (at < last) return this.clock.at(at, fn);
    const id = lane.offset + lane.at.length;
    lane.at.push(at);
    lane.fn.push(fn);
    this.live++;
    if (at < this.armedFor) this.arm(at);
    const l = lane;
    return () => {
      const i = id - l.offset;
      if (i < l.head || i >= l.fn.length || l.fn[i] === undefined) return;
      l.fn[i] = undefined;
      if (--this.live === 0) this.clear();
    };
  }

  /** Deadlines neither fired nor cancelled. */
  get size(): number {
    return this.live;
  }

  /** Nothing waits: the timer goes, and the lanes start empty. */
  private clear(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.armedFor = Infinity;
    for (const lane of this.lanes.values()) {
      lane.offset += lane.at.length;
      lane.at.length = 0;
      lane.fn.length = 0;
      lane.head = 0;
    }
  }

  private arm(at: number): void {
    this.cancelTimer?.();
    this.armedFor = at;
    this.cancelTimer = this.clock.at(at, () => this.fire());
  }

  private fire(): void {
    this.cancelTimer = undefined;
    this.armedFor = Infinity;
    const now = this.clock.now();
    const due: Array<() => void> = [];
    let next = Infinity;
    for (const lane of this.lanes.values()) {
      while (lane.head < lane.at.length && (lane.at[lane.head]! <= now || lane.fn[lane.head] === undefined)) {
        const fn = lane.fn[lane.head];
        if (fn && lane.at[lane.head]! <= now) due.push(fn);
        lane.fn[lane.head] = undefined;
        lane.head++;
      }
      if (lane.head < lane.at.length) next = Math.min(next, lane.at[lane.head]!);
      compact(lane);
    }
    this.live -= due.length;
    if (next < Infinity) this.arm(next);
    for (const fn of due) fn();
  }
}

/** Drops fired entries from the front once they are most of the lane. */
function compact(lane: Lane): void {
  if (lane.head === lane.at.length) {
    lane.offset += lane.head;
    lane.at.length = 0;
    lane.fn.length = 0;
    lane.head = 0;
  } else if (lane.head > 1024 && lane.head * 2 > lane.at.length) {
    lane.offset += lane.head;
    lane.at.splice(0, lane.head);
    lane.fn.splice(0, lane.head);
    lane.head = 0;
  }
}

const shared = new WeakMap<Clock, Deadlines>();

/** The deadlines of one clock: every caller with the same clock shares its one timer. */
export function deadlinesOf(clock: Clock): Deadlines {
  let d = shared.get(clock);
  if (!d) {
    d = new Deadlines(clock);
    shared.set(clock, d);
  }
  return d;
}
