import type { Severity } from './types.js';

/** The default ladder: P1–P4 with 15 min / 1 h / 4 h / 24 h response targets. */
export const DEFAULT_SEVERITIES: readonly Severity[] = [
  sev('P1', 'Service down', 'Complete outage', 15 * 60_000),
  sev('P2', 'Degraded', 'High error rate, slow responses', 3_600_000),
  sev('P3', 'Minor issue', 'Single feature broken', 4 * 3_600_000),
  sev('P4', 'Low impact', 'Cosmetic issues', 24 * 3_600_000),
];

function sev(id: string, name: string, description: string, ms: number): Severity {
  return { id, name, description, response: { kind: 'duration', ms }, autoResolve: true, reopenWithinMs: 3_600_000, groupWithinMs: 5 * 60_000 };
}

/** The ladder as the engine reads it: lookup by id and a rank (0 = most severe). */
export class SeverityLadder {
  private readonly byId = new Map<string, { severity: Severity; rank: number }>();
  /** The rungs' ids, most severe first. */
  readonly ids: readonly string[];
  /**
   * The severity of incidents opsbook opens about its own work (a scheduled procedure that did not
   * pass, its own overload): the third rung, or the last of a shorter ladder. Worth a look in
   * working hours; never the top of the ladder.
   */
  readonly aboutOpsbook: string;

  constructor(readonly severities: readonly Severity[] = DEFAULT_SEVERITIES) {
    severities.forEach((severity, rank) => this.byId.set(severity.id, { severity, rank }));
    this.ids = severities.map((s) => s.id);
    this.aboutOpsbook = this.ids[Math.min(2, this.ids.length - 1)]!;
  }

  get(id: string): Severity {
    // An id the ladder does not know (an external alert's label) is treated as the least severe rung.
    return this.byId.get(id)?.severity ?? this.severities[this.severities.length - 1] ?? DEFAULT_SEVERITIES[3]!;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** 0 for the most severe; unknown ids rank below every rung. */
  rank(id: string): number {
    return this.byId.get(id)?.rank ?? this.severities.length;
  }

  /** The more severe of two ids. */
  worse(a: string, b: string): string {
    return this.rank(b) < this.rank(a) ? b : a;
  }
}

const configured = new WeakMap<readonly Severity[], SeverityLadder>();

/**
 * The ladder of a config's `severities:` (the default one when the list is empty), built once per
 * list: a reload that replaces the list gets a new ladder, every other caller the same one.
 */
export function configuredLadder(severities: readonly Severity[]): SeverityLadder {
  let ladder = configured.get(severities);
  if (!ladder) {
    ladder = new SeverityLadder(severities.length ? severities : undefined);
    configured.set(severities, ladder);
  }
  return ladder;
}

/**
 * Why `severity` cannot filter a list, or undefined when it is on the ladder (`ids`): a typo ("p1")
 * would otherwise list nothing, and "no P1 incidents" is the wrong thing to believe at 3 a.m.
 */
export function severityFilterProblem(ids: readonly string[], severity: string): string | undefined {
  if (ids.includes(severity)) return undefined;
  const near = ids.find((id) => id.toLowerCase() === severity.trim().toLowerCase());
  return `no severity "${severity}"${near ? ` (did you mean ${near}?)` : ''}: the severities are ${ids.join(', ')}`;
}
