/**
 * Which checks and rules this process owns (all of them, unless several processes share the store
 * and split them by partition lease), the lease each runs under, and the settings the alert and
 * incident engines take from the config.
 */
import type { OpsConfig } from '../../config/index.js';
import { buildRules, checkInfoFromConfig } from '../../alerts/index.js';
import type { AlertEngineOptions } from '../../alerts/engine.js';
import type { ClusterCoordinator } from '../../cluster/index.js';
import type { LeaseToken } from '../../store/index.js';

export { incidentConfig } from './incident-config.js';

/** The checks this process runs (all of them, unless several processes share the store), with the lease each runs under. */
export function ownedChecks(config: OpsConfig, cluster: ClusterCoordinator | undefined): { checks: OpsConfig['checks']; tokens: Map<string, LeaseToken> } {
  const tokens = new Map<string, LeaseToken>();
  if (!cluster) return { checks: config.checks, tokens };
  const checks = config.checks.filter((c) => {
    const t = cluster.tokenFor(c.id);
    if (t) tokens.set(c.id, t);
    return t !== undefined;
  });
  return { checks, tokens };
}

/** The rules of the checks this process runs: a check and the rules that read it have one owner. */
export function ownedRules(config: OpsConfig, cluster: ClusterCoordinator | undefined) {
  const info = checkInfoFromConfig(config.checks);
  const rules = buildRules([...info.values()], config.rules);
  return { rules: cluster ? rules.filter((r) => cluster.tokenFor(r.checkId) !== undefined) : rules, info };
}

/** The lease each rule's state is held under: its check's (the token `tokenOfCheck` gives for it now). */
export function ruleLeases(rules: ReadonlyArray<{ id: string; checkId: string }>, tokenOfCheck: (checkId: string) => LeaseToken | undefined): Map<string, LeaseToken> {
  const out = new Map<string, LeaseToken>();
  for (const r of rules) {
    const t = tokenOfCheck(r.checkId);
    if (t) out.set(r.id, t);
  }
  return out;
}

export function alertEngineOptions(cluster: ClusterCoordinator | undefined): AlertEngineOptions {
  return cluster ? { prune: false, fence: (trx) => cluster.fence(trx, 'rule state') } : {};
}
