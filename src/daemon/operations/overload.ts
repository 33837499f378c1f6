import type { AlertEvent } from '../../alerts/index.js';
import type { CheckResult } from '../../checks/index.js';
import type { OpsConfig } from '../../config/index.js';
import { SeverityLadder } from '../../incidents/index.js';

/** The dedup key of the one incident about opsbook's own overload. */
export const OVERLOAD_DEDUP_KEY = 'opsbook:overload';

/**
 * A check verdict withheld because opsbook's event loop was late becomes this alert instead of a
 * page about the target: every such run fires the same dedup key, so one incident stays open about
 * opsbook itself while it is overloaded (the third severity of the ladder, or the last).
 */
export function overloadAlert(result: CheckResult, config: Pick<OpsConfig, 'severities'>, at: number): AlertEvent {
  const ladder = new SeverityLadder(config.severities.length ? config.severities : undefined).severities;
  return {
    kind: 'firing',
    ruleId: 'opsbook:overload',
    dedupKey: OVERLOAD_DEDUP_KEY,
    labels: { service: 'opsbook', alertname: 'OpsbookOverloaded' },
    annotations: {
      summary: 'opsbook is overloaded: check verdicts that depend on timing are withheld',
      description: `Its event loop was ${result.loopDelayMs ?? '?'} ms late during a run of ${result.checkId}; such runs are recorded unknown and page nobody. Give opsbook more CPU or fewer checks.`,
    },
    severity: ladder[Math.min(2, ladder.length - 1)]!.id,
    at,
  };
}
