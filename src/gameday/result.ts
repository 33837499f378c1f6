import type { CommandReport } from './diagnosis.js';

/** Progress of a game day, as it happens. */
export interface GameDayEvent {
  kind: 'world' | 'baseline' | 'scenario' | 'step' | 'scenario-done';
  system: string;
  scenario?: string;
  text: string;
  passed?: boolean;
}

export interface ScenarioResult {
  id: string;
  title: string;
  passed: boolean;
  /** Every expectation that did not hold, in words. */
  failures: string[];
  seconds: number;
  expected: { alert: string; severity: string; severitySource: string; runbook: string };
  incident?: { id: string; title: string; severity: string; runbook?: string };
  alert?: { rule: string; severity: string; runbook?: string };
  diagnosis?: { executionId: string; procedure: string; commands: CommandReport[] };
  notification?: { path: string; type: string; id: string };
  /** Simulated minutes from the fault's removal to the incident's resolution. */
  resolvedAfterMinutes?: number;
}

export interface GameDayResult {
  system: string;
  seed: string;
  dir: string;
  /** Where the daemon under test kept its state. */
  store: 'sqlite' | 'postgres';
  /** Incidents open before any fault (a world that is not healthy to begin with). */
  baseline: string[];
  scenarios: ScenarioResult[];
  passed: number;
  failed: number;
  /** Notifications the receiver refused (bad signature, stale timestamp). */
  rejectedWebhooks: string[];
  seconds: number;
}
