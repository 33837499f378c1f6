import { restrictionWindows, withinRestrictions } from './restrictions.js';
import { rotationShiftAt, rotationShiftsBetween, type RotationShift } from './rotation.js';
import type { Layer, OnCall, Schedule, Shift } from './types.js';

/**
 * Who a layer's rotation puts on call at `at`: the rotation's shift, when `at` is inside the
 * layer's restriction windows (or it has none). Overrides are the schedule's business.
 */
export function layerOnCallAt(layer: Layer, timeZone: string, at: number): RotationShift | undefined {
  if (!withinRestrictions(layer.restrictions, timeZone, at)) return undefined;
  return rotationShiftAt(layer, timeZone, at);
}

/** The last listed override covering `at` for `layer` (undefined = schedule-wide ones). */
function overrideAt(schedule: Schedule, at: number, layer: number | undefined): number | undefined {
  for (let i = schedule.overrides.length - 1; i >= 0; i--) {
    const o = schedule.overrides[i]!;
    if (o.layer === layer && o.start <= at && at < o.end) return i;
  }
  return undefined;
}

/** Who layer `index` has on call at `at`, counting overrides scoped to that layer. */
export function layerOnCall(schedule: Schedule, index: number, at: number): OnCall | undefined {
  const o = overrideAt(schedule, at, index);
  if (o !== undefined) return { user: schedule.overrides[o]!.user, layer: index, override: o };
  const shift = layerOnCallAt(schedule.layers[index]!, schedule.timeZone, at);
  return shift ? { user: shift.user, layer: index } : undefined;
}

/** Each layer's on-call person at `at`, in layer order (undefined where a layer has nobody). */
export function onCallPerLayer(schedule: Schedule, at: number): (OnCall | undefined)[] {
  return schedule.layers.map((_, i) => layerOnCall(schedule, i, at));
}

/**
 * The schedule's on-call person at `at`: a schedule-wide override covering `at` beats everything;
 * otherwise the highest layer that has someone (later layers override earlier ones).
 */
export function whoIsOnCall(schedule: Schedule, at: number): OnCall | undefined {
  const o = overrideAt(schedule, at, undefined);
  if (o !== undefined) return { user: schedule.overrides[o]!.user, override: o };
  for (let i = schedule.layers.length - 1; i >= 0; i--) {
    const who = layerOnCall(schedule, i, at);
    if (who) return who;
  }
  return undefined;
}

/** Instants in (from, to) where someone in the schedule may change: handoffs, windows, overrides. */
function changePoints(schedule: Schedule, from: number, to: number, layers: number[], limit: number): number[] {
  const points = new Set<number>();
  const add = (t: number): void => {
    if (t > from && t < to) points.add(t);
  };
  for (const i of layers) {
    const layer = schedule.layers[i]!;
    for (const s of rotationShiftsBetween(layer, schedule.timeZone, from, to, limit)) add(s.start);
    for (const w of restrictionWindows(layer.restrictions ?? [], schedule.timeZone, from, to)) {
      add(w.start);
      add(w.end);
    }
  }
  for (const o of schedule.overrides) {
    if (o.layer === undefined || layers.includes(o.layer)) {
      add(o.start);
      add(o.end);
    }
  }
  return [from, ...[...points].sort((a, b) => a - b)];
}

function sameOnCall(a: OnCall, b: OnCall): boolean {
  return a.user === b.user && a.layer === b.layer && a.override === b.override;
}

function segments(points: number[], to: number, who: (at: number) => OnCall | undefined): Shift[] {
  const out: Shift[] = [];
  points.forEach((start, i) => {
    const end = points[i + 1] ?? to;
    const current = who(start);
    if (!current) return;
    const prev = out[out.length - 1];
    if (prev && prev.end === start && sameOnCall(prev, current)) prev.end = end;
    else out.push({ ...current, start, end });
  });
  return out;
}

/**
 * The final schedule over [from, to) as continuous stretches of one person each (what an
 * "upcoming handoffs" list shows). Stretches with nobody on call are absent.
 */
export function shiftsBetween(schedule: Schedule, from: number, to: number, limit = 10_000): Shift[] {
  if (to <= from) return [];
  const layers = schedule.layers.map((_, i) => i);
  return segments(changePoints(schedule, from, to, layers, limit), to, (at) => whoIsOnCall(schedule, at));
}

/** One layer's stretches over [from, to), with its layer-scoped overrides applied. */
export function layerShiftsBetween(schedule: Schedule, index: number, from: number, to: number, limit = 10_000): Shift[] {
  if (to <= from) return [];
  return segments(changePoints(schedule, from, to, [index], limit), to, (at) => layerOnCall(schedule, index, at));
}
