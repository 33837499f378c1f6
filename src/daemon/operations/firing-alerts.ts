/**
 * Alerts known to be firing in an open incident, so a repeat of one (an Alertmanager resend, a check
 * still failing) is answered from memory instead of a transaction. An entry is trusted for
 * `windowMs`, and only for the severity it was seen with; whatever changes an incident forgets that
 * incident's entries.
 */
export class FiringAlerts {
  private readonly byKey = new Map<string, { incidentId: string; severity: string; at: number }>();
  private readonly byIncident = new Map<string, Set<string>>();

  constructor(private readonly windowMs: number) {}

  /** Whether this firing alert, at this severity, is already part of an open incident. */
  isKnown(dedupKey: string, severity: string, now: number): boolean {
    const known = this.byKey.get(dedupKey);
    return known !== undefined && known.severity === severity && now - known.at < this.windowMs;
  }

  remember(dedupKey: string, incidentId: string, severity: string, now: number): void {
    this.forgetKey(dedupKey);
    this.byKey.set(dedupKey, { incidentId, severity, at: now });
    let keys = this.byIncident.get(incidentId);
    if (!keys) this.byIncident.set(incidentId, (keys = new Set()));
    keys.add(dedupKey);
  }

  forgetKey(dedupKey: string): void {
    const known = this.byKey.get(dedupKey);
    if (!known) return;
    this.byKey.delete(dedupKey);
    const keys = this.byIncident.get(known.incidentId);
    keys?.delete(dedupKey);
    if (keys?.size === 0) this.byIncident.delete(known.incidentId);
  }

  forgetIncident(incidentId: string): void {
    for (const key of this.byIncident.get(incidentId) ?? []) this.byKey.delete(key);
    this.byIncident.delete(incidentId);
  }

  get size(): number {
    return this.byKey.size;
  }
}
