import type { Daemon } from '../../../daemon/index.js';
import type { CheckConfig } from '../../../config/schema/checks.js';
import { buildRules, checkInfoFromConfig } from '../../../alerts/index.js';
import { hasThresholds } from '../../../checks/index.js';
import { incidentFromRow, type Incident } from '../../../incidents/index.js';
import { countIncidentsOfRules, listIncidentsOfRules, listResults, type RawResultRow } from '../../../store/index.js';

/** A stretch of consecutive down results (or critical, for a check judged by thresholds): from the first such run to the next that was not. */
export interface Outage {
  from: number;
  /** The first up run after it; undefined while it lasts. */
  to: number | undefined;
  runs: number;
  error: string | null;
}

export interface CheckTimeline {
  from: number;
  to: number;
  results: RawResultRow[];
  outages: Outage[];
  /** Whether the check is judged by thresholds, so its outages are its down or critical spells. */
  critical: boolean;
  /** The newest TIMELINE_INCIDENTS of the window's incidents, newest first. */
  incidents: Incident[];
  /** How many more incidents the window holds than `incidents` lists. */
  incidentsLeftOut: number;
}

/** How many of a window's incidents the check page lists. */
export const TIMELINE_INCIDENTS = 200;

/**
 * `critical`: a check judged by thresholds, whose runs at the critical level count as in an outage
 * too (the spell that opened its incident: an up run over its critical level).
 */
export function outagesOf(results: readonly RawResultRow[], critical = false): Outage[] {
  const out: Outage[] = [];
  let open: Outage | undefined;
  for (const r of results) {
    // A run whose verdict was withheld neither starts nor ends an outage.
    if (r.unknown) continue;
    if (r.down || (critical && r.level === 2)) {
      if (open) open.runs++;
      else out.push((open = { from: r.at, to: undefined, runs: 1, error: r.error }));
    } else if (open) {
      open.to = r.at;
      open = undefined;
    }
  }
  return out;
}

/** Ids of the rules whose alerts are this check's: its implicit rule and the configured rules on it. */
export function checkRuleIds(daemon: Daemon, checkId: string): string[] {
  const checks = checkInfoFromConfig(daemon.config.checks);
  return buildRules([...checks.values()], daemon.config.rules).filter((r) => r.checkId === checkId).map((r) => r.id);
}

/**
 * A check's raw results over the window (or since its first run, when younger), oldest first, its
 * outages, and the incidents its own alerts opened or joined that were open at some point in the
 * window (not every incident of its service: another check's outage is not this one's).
 */
export async function checkTimeline(daemon: Daemon, check: CheckConfig, windowMs: number): Promise<CheckTimeline> {
  const to = daemon.clock.now();
  const from = to - windowMs;
  const results = (await listResults(daemon.store.db, check.id, { from, to: to + 1, limit: 100_000 })).reverse();
  const rules = checkRuleIds(daemon, check.id);
  const incidents = (await listIncidentsOfRules(daemon.store.db, rules, from, to, TIMELINE_INCIDENTS)).map(incidentFromRow);
  // Counted only when the list is full: what it left out, without reading the rest.
  const incidentsLeftOut = incidents.length < TIMELINE_INCIDENTS ? 0 : Math.max(0, (await countIncidentsOfRules(daemon.store.db, rules, from, to)) - incidents.length);
  // A young check's chart spans its own runs, not a day of nothing with its history squeezed at the edge.
  const first = results[0]?.at;
  const shown = first !== undefined && first > from ? Math.max(from, first - Math.max(60_000, (to - first) * 0.05)) : from;
  const critical = hasThresholds(check);
  return { from: shown, to, results, outages: outagesOf(results, critical), critical, incidents, incidentsLeftOut };
}
