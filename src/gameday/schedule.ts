import { readFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { GameDaySpec, Scenario } from './spec.js';

/**
 * The order worlds start in: longest first, so the last world to start is a short one and the
 * longest (a fault that makes every probe wait real seconds, an alert an hour in coming) does not
 * start late and end the run alone. How long a part takes comes from the seconds recorded at the
 * last run on this machine when there are some (same store first, else the other store's: the
 * order, not the figure, is what counts), else from an estimate read off the spec. Same inputs,
 * same order: ties keep the round-robin order planParts gives.
 */

/** Real seconds a simulated minute of a response takes with 8 worlds side by side (the seeds' game days, measured). */
const SECONDS_PER_SIMULATED_MINUTE = 1.5;
/** A world's quiet start (runner.ts BASELINE_MS) and the mend and quiet after a scenario, simulated minutes. */
const BASELINE_MINUTES = 2;
const MEND_MINUTES = 5;
/**
 * How often a peer made late (`delay:`) is asked, per simulated minute: each ask waits the delay in
 * real time. Two checks at the default 30 s interval.
 */
const LATE_ASKS_PER_MINUTE = 4;
/** Of `within_minutes`, the share an alert usually takes to fire (a heartbeat an hour late fires near its limit). */
const FIRE_SHARE = 0.75;

/** Seconds recorded per store, system and part (a scenario's id, or DRILLS). */
export type RecordedSeconds = Partial<Record<'sqlite' | 'postgres', Record<string, Record<string, number>>>>;

/** The key of a system's drills' part in RecordedSeconds. */
export const DRILLS = '(drills)';

/**
 * Estimated real seconds of one scenario's world: the simulated minutes the spec fixes (the quiet
 * start, the alert's firing, the escalation's wait, the negative control's window and the resolved
 * one, the mend), and the real lateness of a peer made late while the fault is on.
 */
export function estimateScenarioSeconds(scenario: Scenario): number {
  const firing = scenario.expect.within_minutes * FIRE_SHARE;
  const faulted = firing + scenario.escalation.after_minutes + 2 * scenario.verify_minutes;
  const minutes = BASELINE_MINUTES + faulted + MEND_MINUTES;
  const inject = scenario.inject as { delay?: number };
  const late = typeof inject.delay === 'number' ? (inject.delay / 1000) * LATE_ASKS_PER_MINUTE * faulted : 0;
  return minutes * SECONDS_PER_SIMULATED_MINUTE + late;
}

/** Estimated real seconds of the drills' world: its quiet start, the maintenance window and the silence. */
export function estimateDrillsSeconds(spec: GameDaySpec): number {
  return (BASELINE_MINUTES + spec.maintenance.minutes + spec.silence.minutes + 2 * MEND_MINUTES) * SECONDS_PER_SIMULATED_MINUTE;
}

/** The seconds a part is expected to take: recorded for this store, else for the other, else estimated. */
export function expectedSeconds(spec: GameDaySpec, part: { scenarios: readonly string[]; drills: boolean }, store: 'sqlite' | 'postgres', recorded: RecordedSeconds = {}): { seconds: number; source: 'recorded' | 'estimated' } {
  const keys = part.drills ? [DRILLS, ...part.scenarios] : part.scenarios;
  for (const s of [store, store === 'sqlite' ? 'postgres' : 'sqlite'] as const) {
    const mine = recorded[s]?.[spec.system];
    const seen = keys.map((k) => mine?.[k]);
    if (seen.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0)) return { seconds: (seen as number[]).reduce((a, b) => a + b, 0), source: 'recorded' };
  }
  let seconds = part.drills ? estimateDrillsSeconds(spec) : 0;
  for (const id of part.scenarios) {
    const scenario = spec.scenarios.find((x) => x.id === id);
    if (scenario) seconds += estimateScenarioSeconds(scenario);
  }
  return { seconds, source: 'estimated' };
}

/** `items` longest first by `seconds`; equal ones keep their order (a stable sort). */
export function longestFirst<T>(items: readonly T[], seconds: (item: T) => number): T[] {
  return items.map((item, at) => ({ item, at, s: seconds(item) })).sort((a, b) => b.s - a.s || a.at - b.at).map((x) => x.item);
}

/** The recorded seconds in `file`; none when it is missing or not what this writes (a run then goes by the estimates). */
export async function readRecordedSeconds(file: string): Promise<RecordedSeconds> {
  try {
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as RecordedSeconds) : {};
  } catch {
    return {};
  }
}

/** `file` with this run's seconds (store → system → part) over the ones recorded before. */
export async function writeRecordedSeconds(file: string, store: 'sqlite' | 'postgres', seconds: Record<string, Record<string, number>>): Promise<void> {
  const all = await readRecordedSeconds(file);
  const mine = (all[store] ??= {});
  for (const [system, parts] of Object.entries(seconds)) mine[system] = { ...mine[system], ...parts };
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(all, null, 2)}\n`);
}
