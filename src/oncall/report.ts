import { layerShiftsBetween, shiftsBetween } from './schedule.js';
import type { Schedule, Shift } from './types.js';

// How far ahead to look for the end of the current stretch ("until …"); longer rotations say "until later".
const HORIZON_MS = 90 * 86_400_000;

export interface OnCallSlot {
  user: string | null;
  override?: number;
  /** When this person's stretch ends (or, for nobody, when someone comes on). Null beyond the horizon. */
  until: string | null;
}

function slot(stretches: Shift[], at: number, horizonEnd: number): OnCallSlot & { layer?: number } {
  const current = stretches.find((s) => s.start <= at && at < s.end);
  const next = stretches.find((s) => s.start > at);
  const untilMs = current ? current.end : next?.start;
  const until = untilMs === undefined || untilMs >= horizonEnd ? null : new Date(untilMs).toISOString();
  if (!current) return { user: null, until };
  return {
    user: current.user,
    ...(current.layer !== undefined ? { layer: current.layer } : {}),
    ...(current.override !== undefined ? { override: current.override } : {}),
    until,
  };
}

/** Who is on call in a schedule at `at` and until when, overall and per layer: what `oncall now` and GET /api/oncall/now answer. */
export function describeSchedule(schedule: Schedule, at: number) {
  const end = at + HORIZON_MS;
  const final = slot(shiftsBetween(schedule, at, end), at, end);
  return {
    id: schedule.id,
    ...(schedule.name ? { name: schedule.name } : {}),
    time_zone: schedule.timeZone,
    on_call: { ...final, ...(final.layer !== undefined ? { layer_name: schedule.layers[final.layer]!.name } : {}) },
    layers: schedule.layers.map((layer, i) => {
      const { layer: _layer, ...s } = slot(layerShiftsBetween(schedule, i, at, end), at, end);
      return { name: layer.name, ...s };
    }),
  };
}
