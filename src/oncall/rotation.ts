import type { Layer } from './types.js';
import { dateToWall, instantToWall, wallToInstant, type WallMs } from './zoned-time.js';

/**
 * A layer's rotation as a sequence of shifts numbered 0, 1, 2 … Shift k starts at the local wall
 * time `start + handoff + k × length` and ends where shift k+1 starts, so every shift has exactly
 * the configured local length; its real length differs by the DST change it spans.
 */
export interface RotationShift {
  index: number;
  user: string;
  start: number;
  end: number;
  /** Local wall-clock start and end (see WallMs); `endWall − startWall` is the configured length. */
  startWall: WallMs;
  endWall: WallMs;
}

// Offset changes are at most a few hours and lengths at least an hour, so the estimate from local
// time is off by a handful of shifts at most; the bound only guards against a broken zone rule.
const MAX_CORRECTION = 64;

export function rotationOrigin(layer: Layer): WallMs {
  return dateToWall(layer.rotation.start, layer.rotation.handoffMinutes);
}

export function shiftBoundary(layer: Layer, timeZone: string, index: number): number {
  return wallToInstant(rotationOrigin(layer) + index * layer.rotation.lengthMs, timeZone);
}

export function rotationShift(layer: Layer, timeZone: string, index: number): RotationShift {
  const origin = rotationOrigin(layer);
  const length = layer.rotation.lengthMs;
  const n = layer.users.length;
  return {
    index,
    user: layer.users[((index % n) + n) % n]!,
    start: wallToInstant(origin + index * length, timeZone),
    end: wallToInstant(origin + (index + 1) * length, timeZone),
    startWall: origin + index * length,
    endWall: origin + (index + 1) * length,
  };
}

/** Number of the shift containing instant `at`, or undefined before the rotation starts. */
export function shiftIndexAt(layer: Layer, timeZone: string, at: number): number | undefined {
  if (at < shiftBoundary(layer, timeZone, 0)) return undefined;
  const length = layer.rotation.lengthMs;
  let k = Math.max(0, Math.floor((instantToWall(at, timeZone) - rotationOrigin(layer)) / length));
  // Local time is not monotonic in real time when clocks go back: correct against real boundaries.
  for (let i = 0; i < MAX_CORRECTION; i++) {
    if (shiftBoundary(layer, timeZone, k + 1) <= at) k++;
    else if (k > 0 && shiftBoundary(layer, timeZone, k) > at) k--;
    else return k;
  }
  throw new Error(`rotation shift search did not settle for ${timeZone} at ${at}`);
}

/** The rotation shift (ignoring restrictions and overrides) in force at `at`. */
export function rotationShiftAt(layer: Layer, timeZone: string, at: number): RotationShift | undefined {
  const k = shiftIndexAt(layer, timeZone, at);
  return k === undefined ? undefined : rotationShift(layer, timeZone, k);
}

/**
 * Rotation shifts overlapping [from, to), in order. Shifts of zero real length (a handoff inside a
 * skipped hour, with shifts shorter than the jump) are left out: nobody can be on call in them.
 */
export function rotationShiftsBetween(
  layer: Layer,
  timeZone: string,
  from: number,
  to: number,
  limit = 10_000,
): RotationShift[] {
  const out: RotationShift[] = [];
  let k = shiftIndexAt(layer, timeZone, from) ?? 0;
  for (let i = 0; i < limit; i++, k++) {
    const shift = rotationShift(layer, timeZone, k);
    if (shift.start >= to) break;
    if (shift.end > shift.start && shift.end > from) out.push(shift);
  }
  return out;
}
