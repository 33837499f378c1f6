import type { Labels } from '../alerts/index.js';

export type Urgency = 'page' | 'ticket';

/** One multi-window burn-rate alert: both windows must burn faster than `burnRate`. */
export interface BurnRateAlert {
  urgency: Urgency;
  longMs: number;
  shortMs: number;
  burnRate: number;
}

export type SloWindow = { kind: 'rolling'; ms: number } | { kind: 'calendar'; unit: 'month' | 'week'; timeZone: string };

/** A measured objective after config validation. */
export interface Slo {
  id: string;
  name: string;
  description?: string;
  kind: 'availability' | 'latency' | 'error_ratio';
  /** Checks whose events are summed. */
  checks: string[];
  /** Target share of good events, 0..1 (0.999). */
  objective: number;
  /** Latency SLOs: a good result takes at most this long. */
  thresholdMs?: number;
  window: SloWindow;
  alerts: BurnRateAlert[];
  severity: Record<Urgency, string>;
  service?: string;
  labels: Labels;
  runbook?: string;
}

/** A recovery-point objective: the newest good backup is never older than `targetMs`. */
export interface RecoveryPointObjective {
  id: string;
  name: string;
  check: string;
  targetMs: number;
  service?: string;
}

/** Good and total events over some window. */
export interface EventCounts {
  good: number;
  total: number;
}
