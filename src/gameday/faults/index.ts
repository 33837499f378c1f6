import { z } from 'zod';

/**
 * How a scenario breaks the world, and how the world is mended again. Every fault kind has a schema
 * entry here, a line in `describeFault` and a branch in `applyFault`; the runner knows none of them.
 */
export const faultSchema = z.union([
  z.strictObject({ faults: z.record(z.string(), z.literal(true)).refine((f) => Object.keys(f).length > 0, 'name at least one fault') })
    .describe('Switch the stand-in’s faults on (POST /_gameday/faults); off again afterwards.'),
  z.strictObject({ redis: z.literal('down') }).describe('Stop the private redis-server; start it again afterwards.'),
  z.strictObject({ backup: z.literal('stale'), age: z.string().regex(/^\d+h$/).default('48h') })
    .describe('Make the newest backup this old (default two days); a fresh one is written afterwards.'),
]);

export type Fault = z.output<typeof faultSchema>;

/** The parts of the game-day world faults act on (the world implements it). */
export interface FaultTarget {
  standin: { setFaults(faults: Record<string, boolean>): Promise<void> };
  redis: { stop(): Promise<void>; start(): Promise<void> };
  /** Writes the backups with a given age (ms) as of the clock's now. */
  ageBackups(ageMs: number): Promise<void>;
}

/** Puts the fault into the world (`on`), or mends the world again. */
export async function applyFault(world: FaultTarget, fault: Fault, on: boolean): Promise<void> {
  if ('faults' in fault) await world.standin.setFaults(Object.fromEntries(Object.keys(fault.faults).map((k) => [k, on])));
  else if ('redis' in fault) await (on ? world.redis.stop() : world.redis.start());
  else await world.ageBackups(on ? Number.parseInt(fault.age, 10) * 3_600_000 : 0);
}

/** One line saying what the fault does, for the game day's output. */
export function describeFault(fault: Fault): string {
  if ('faults' in fault) return `stand-in faults ${Object.keys(fault.faults).join(', ')}`;
  if ('redis' in fault) return 'private redis-server stopped';
  return `newest backup ${fault.age} old`;
}
