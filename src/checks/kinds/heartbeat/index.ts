import type { CheckKind, Observation } from '../../types.js';
import { heartbeatSchema, type HeartbeatOptions } from './schema.js';

/**
 * Passive: a job calls `POST /api/heartbeats/<token>` (with `?failed=1` or `{"failed":true}` when it
 * failed). `[AGE]` is the time since the last beat — or since the check was first registered, so a
 * new check does not fail before its first period has passed; `[FAILED]` is the last beat's flag.
 */
export const heartbeatKind: CheckKind<HeartbeatOptions> = {
  ...heartbeatSchema,
  run: async (_config, ctx): Promise<Observation> => {
    if (!ctx.heartbeats) return { values: {}, error: 'heartbeats need a store' };
    const beat = await ctx.heartbeats.lastBeat(ctx.checkId);
    const now = ctx.clock.now();
    if (!beat) return { values: {}, error: 'heartbeat not registered' };
    const age = Math.max(0, now - (beat.at ?? beat.since));
    return { values: { AGE: age, FAILED: beat.failed }, value: Math.round(age / 1000) };
  },
};
