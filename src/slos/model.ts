import type { OpsConfig } from '../config/index.js';
import type { RecoveryPointObjective, Slo } from './types.js';

/**
 * Turns `slos:` into measured objectives and recovery-point objectives. An objective without a
 * `service` belongs to its checks' service when they all watch the same one, so its burn-rate
 * incidents route, show and hold in maintenance like its checks' own.
 */
export function slosFromConfig(config: Pick<OpsConfig, 'slos' | 'checks'>): { slos: Slo[]; recoveryPoints: RecoveryPointObjective[] } {
  const slos: Slo[] = [];
  const recoveryPoints: RecoveryPointObjective[] = [];
  const serviceOf = new Map(config.checks.map((c) => [c.id, c.service]));
  for (const s of config.slos) {
    const service = s.service ?? sharedService(s.kind === 'recovery_point' || s.kind === 'error_ratio' ? [s.check] : s.checks, serviceOf);
    const base = { id: s.id, name: s.name ?? s.id, ...(service ? { service } : {}) };
    if (s.kind === 'recovery_point') {
      recoveryPoints.push({ ...base, check: s.check, targetMs: s.target });
      continue;
    }
    const objective = s.kind === 'latency' ? (s.objective ?? Number(s.percentile!.slice(1)) / 100) : s.objective;
    slos.push({
      ...base,
      ...(s.description ? { description: s.description } : {}),
      kind: s.kind,
      checks: s.kind === 'error_ratio' ? [s.check] : s.checks,
      objective,
      ...(s.kind === 'latency' ? { thresholdMs: s.threshold } : {}),
      window: typeof s.window === 'number' ? { kind: 'rolling', ms: s.window } : { kind: 'calendar', unit: s.window, timeZone: s.time_zone },
      alerts: s.alerts === false ? [] : s.alerts.map((a) => ({ urgency: a.urgency, longMs: a.long, shortMs: a.short, burnRate: a.burn_rate })),
      severity: { page: s.severity.page, ticket: s.severity.ticket },
      labels: s.labels,
      ...(s.runbook ? { runbook: s.runbook } : {}),
    });
  }
  return { slos, recoveryPoints };
}

/** The service every one of the checks watches, or undefined when one has none or they differ. */
function sharedService(checks: readonly string[], serviceOf: ReadonlyMap<string, string | undefined>): string | undefined {
  const services = new Set(checks.map((id) => serviceOf.get(id)));
  const [only] = services;
  return services.size === 1 ? only : undefined;
}
