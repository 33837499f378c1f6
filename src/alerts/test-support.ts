import type { CheckLevel, CheckResult } from '../checks/types.js';
import { rulesSection } from '../config/schema/rules.js';
import type { AlertRule } from './types.js';

/** A check result as a check kind would report it (tests only). */
export function result(checkId: string, at: number, level: CheckLevel, value?: number): CheckResult {
  return {
    checkId, kind: 'metrics', at, status: level === 'critical' ? 'down' : 'up', level, latencyMs: 12,
    ...(value !== undefined ? { value } : {}), conditions: [],
  };
}

/** Rules from config as written, through the real section schema (tests only). */
export function rulesFromConfig(input: unknown[]): AlertRule[] {
  return rulesSection.parse(input);
}

export const MINUTE = 60_000;
