import type { OpsConfig } from './schema/index.js';
import { RESTART_ONLY, type RestartOnlySetting } from './schema/restart-only.js';

const SETTINGS = Object.keys(RESTART_ONLY) as RestartOnlySetting[];

/** The restart-only settings (RESTART_ONLY) whose value differs between the running config and `next`, sorted. */
export function restartNeeded(running: OpsConfig, next: OpsConfig): RestartOnlySetting[] {
  return SETTINGS.filter((s) => JSON.stringify(valueAt(running, s)) !== JSON.stringify(valueAt(next, s))).sort();
}

/** `next` with the running value of each of `settings`: what a reload puts in force. */
export function keepRunning(next: OpsConfig, running: OpsConfig, settings: readonly RestartOnlySetting[]): OpsConfig {
  let out = next;
  for (const s of settings) out = withValueAt(out, s.split('.'), valueAt(running, s)) as OpsConfig;
  return out;
}

function valueAt(config: OpsConfig, setting: string): unknown {
  let v: unknown = config;
  for (const key of setting.split('.')) v = v === undefined || v === null ? undefined : (v as Record<string, unknown>)[key];
  return v;
}

/** A copy of `obj` with `value` at `keys` (absent when undefined); the objects along the way are copied, the rest shared. */
function withValueAt(obj: unknown, keys: readonly string[], value: unknown): unknown {
  const [key, ...rest] = keys;
  const copy = { ...((obj ?? {}) as Record<string, unknown>) };
  const v = rest.length === 0 ? value : withValueAt(copy[key!], rest, value);
  if (v === undefined) delete copy[key!];
  else copy[key!] = v;
  return copy;
}
