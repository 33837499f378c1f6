import type { AlertEvent } from '../../alerts/index.js';
import type { OpsConfig } from '../../config/index.js';
import { configuredLadder } from '../../incidents/index.js';
import { policyForLabels } from './paging.js';
import { findIncident, getEscalation, listOpenStuckAlerts, type Database } from '../../store/index.js';
import type { Kysely } from 'kysely';

/**
 * How many failures in a row make an incident's paging stuck: consecutive failed steps of its
 * escalation (retried after 5 s, then 10 s: the third failure comes about 15 s after the first), or
 * consecutive looks for missed pages (a minute apart) that could not start it. One failure is a
 * store hiccup (a lock timeout, a dropped connection) that the retry gets past; three in a row is
 * a fault that stays, and the incident's on-call is not being paged.
 */
export const STUCK_AFTER_FAILURES = 3;

/** The dedup keys of the incidents about stuck paging start with this, the stuck incident's id after it. */
export const STUCK_DEDUP_PREFIX = 'opsbook:escalation-stuck:';

const STUCK_ALERTNAME = 'OpsbookEscalationStuck';

/** Where the paging failed: a step of its running escalation, or the look that starts missed ones. */
export type StuckSource = 'escalation step' | 'missed-pages look';

export function stuckDedupKey(incidentId: string): string {
  return `${STUCK_DEDUP_PREFIX}${incidentId}`;
}

interface Raised {
  source: StuckSource;
  /** Its resolved alert could not be written: the next sweep writes it again. */
  resolving?: boolean;
}

export interface StuckEscalationsOptions {
  db: () => Kysely<Database>;
  config: () => OpsConfig;
  clock: { now(): number };
  logger: { error(obj: unknown, msg?: string): void; warn(obj: unknown, msg?: string): void; info(obj: unknown, msg?: string): void };
  /**
   * Runs `work` (which sends alert events through `send`) in the pipeline's queue, under the lease of
   * `incidentId`'s partition; never awaited by the tracker (the look calls it from the queue itself).
   * False when this process does not hold that partition (its holder raises and resolves).
   */
  run: (incidentId: string, work: () => Promise<void>) => boolean;
  /** The alert event into the pipeline (an incident opened, joined or resolved); the incident it touched. */
  send: (event: AlertEvent) => Promise<{ id: string } | undefined>;
  /** In a cluster: whether this process pages for the incident (holds its partition). */
  owns?: (incidentId: string) => boolean;
  bound?: number;
}

/**
 * Incidents opsbook cannot page for: one incident about opsbook per such incident (a firing alert
 * of dedup key `opsbook:escalation-stuck:<id>`, at the ladder's `aboutOpsbook` rung) once its paging
 * has failed `STUCK_AFTER_FAILURES` times in a row, whichever way it pages (a step of its escalation,
 * the look for missed pages). It pages like any incident, through the policy that routes it. It
 * resolves (a resolved alert of the same key) when the paging works again (the step ran, the look
 * started the escalation) or is no longer needed (the incident was answered or is gone, its
 * escalation ended or its row went away). An incident about stuck paging whose own paging is stuck
 * raises none: no chain. What was raised is known in memory, and taken again from the store's open
 * stuck incidents at a start.
 */
export class StuckEscalations {
  private readonly raised = new Map<string, Raised>();
  /** Incidents the look could not page, and at how many looks in a row. */
  private readonly missed = new Map<string, number>();
  /** The incidents about stuck paging (their own paging never raises another). */
  private readonly own = new Set<string>();

  constructor(private readonly o: StuckEscalationsOptions) {}

  private get bound(): number {
    return this.o.bound ?? STUCK_AFTER_FAILURES;
  }

  /** A step of the incident's escalation failed, `attempts` times in a row. */
  stepFailed(incidentId: string, err: unknown, attempts: number): void {
    this.failed(incidentId, err, attempts, 'escalation step');
  }

  /** A step of the incident's escalation ran: it pages again. */
  stepRan(incidentId: string): void {
    if (this.raised.has(incidentId)) this.resolve(incidentId, 'its escalation ran again');
  }

  /**
   * One look for missed pages ended: `failed`, the incidents it could not page. An incident it
   * could not page at the previous look and that is not among them was paged, or needs no page now.
   * Then the sweep: each raised incident whose paging is no longer stuck is resolved.
   */
  async looked(failed: ReadonlyArray<{ id: string; err: unknown }>): Promise<void> {
    const now = new Set(failed.map((f) => f.id));
    for (const id of [...this.missed.keys()]) {
      if (now.has(id)) continue;
      this.missed.delete(id);
      if (this.raised.get(id)?.source === 'missed-pages look') this.resolve(id, 'the look for missed pages paged it');
    }
    for (const f of failed) {
      const looks = (this.missed.get(f.id) ?? 0) + 1;
      this.missed.set(f.id, looks);
      this.failed(f.id, f.err, looks, 'missed-pages look');
    }
    await this.sweep();
  }

  /**
   * Takes the stuck incidents open in the store as raised, those of the incidents this process pages
   * for (`owns`): at a start, what an earlier run raised; in a cluster, when partitions are gained.
   */
  async adopt(): Promise<void> {
    for (const a of await listOpenStuckAlerts(this.o.db(), STUCK_DEDUP_PREFIX)) {
      const id = a.dedup_key.slice(STUCK_DEDUP_PREFIX.length);
      this.own.add(a.incident_id);
      if (this.o.owns && !this.o.owns(id)) continue;
      let source: StuckSource = 'escalation step';
      try {
        if ((JSON.parse(a.labels) as Record<string, string>).stuck_in === 'missed-pages look') source = 'missed-pages look';
      } catch {
        // Unreadable labels: treated as a step's, resolved once its incident is answered or its escalation ends.
      }
      if (!this.raised.has(id)) this.raised.set(id, { source });
    }
  }

  /**
   * Resolves each raised incident whose paging is no longer stuck, as the store has it: the incident
   * gone or answered (no longer triggered); a step's whose escalation ended or whose row went away;
   * a look's whose escalation runs. One whose resolved alert could not be written is written again.
   */
  async sweep(): Promise<void> {
    const db = this.o.db();
    for (const [id, r] of [...this.raised]) {
      if (r.resolving) {
        this.resolve(id, 'its paging recovered');
        continue;
      }
      const incident = await findIncident(db, id);
      if (!incident || incident.state !== 'triggered') {
        this.resolve(id, incident ? `it was ${incident.state}` : 'it is gone');
        continue;
      }
      const escalation = await getEscalation(db, id);
      if (r.source === 'escalation step' && (!escalation || escalation.status !== 'active')) this.resolve(id, escalation ? `its escalation was ${escalation.status}` : 'its escalation is gone');
      else if (r.source === 'missed-pages look' && escalation?.status === 'active') this.resolve(id, 'its escalation runs');
    }
  }

  private failed(incidentId: string, err: unknown, attempts: number, source: StuckSource): void {
    if (attempts < this.bound || this.raised.has(incidentId)) return;
    if (this.own.has(incidentId)) return this.noChain(incidentId, err, attempts);
    this.raised.set(incidentId, { source });
    const queued = this.o.run(incidentId, async () => {
      try {
        const incident = await findIncident(this.o.db(), incidentId).catch(() => undefined);
        if (incident && isStuckIncident(incident.labels)) {
          this.raised.delete(incidentId);
          this.own.add(incidentId);
          return this.noChain(incidentId, err, attempts);
        }
        const raised = await this.o.send(stuckAlert(this.o.config(), { id: incidentId, title: incident?.title }, err, attempts, source, this.o.clock.now()));
        if (raised) this.own.add(raised.id);
        this.o.logger.error({ err, incident: incidentId, attempts, stuck_in: source, opsbook_incident: raised?.id }, 'opsbook cannot page for an incident: an incident about opsbook is raised');
      } catch (e) {
        // Raised again at its next failure.
        this.raised.delete(incidentId);
        this.o.logger.error({ err: e, incident: incidentId }, 'the incident about an incident opsbook cannot page for could not be raised; tried again at its next failure');
      }
    });
    if (!queued) this.raised.delete(incidentId);
  }

  private noChain(incidentId: string, err: unknown, attempts: number): void {
    this.o.logger.error({ err, incident: incidentId, attempts }, 'opsbook cannot page for its own incident about paging it cannot do; no further incident is raised about it');
  }

  private resolve(incidentId: string, why: string): void {
    const r = this.raised.get(incidentId);
    if (!r) return;
    this.raised.delete(incidentId);
    this.missed.delete(incidentId);
    // Not queued when another process holds its partition now: its holder resolves it.
    this.o.run(incidentId, async () => {
      try {
        await this.o.send(stuckResolved(this.o.config(), incidentId, why, r.source, this.o.clock.now()));
        this.o.logger.info({ incident: incidentId, why }, 'opsbook pages for the incident again: its incident about opsbook is resolved');
      } catch (e) {
        if (!this.raised.has(incidentId)) this.raised.set(incidentId, { ...r, resolving: true });
        this.o.logger.error({ err: e, incident: incidentId }, 'the incident about an incident opsbook could not page for could not be resolved; tried again at the next look');
      }
    });
  }
}

function isStuckIncident(labels: string): boolean {
  try {
    return (JSON.parse(labels) as Record<string, string>).alertname === STUCK_ALERTNAME;
  } catch {
    return false;
  }
}

function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/**
 * Its labels. No `service`: incidents of one service opened close together are grouped into one,
 * and each incident opsbook cannot page for has its own (resolved when that one's paging recovers);
 * it is routed as an incident of service `opsbook` would be (the policy of the team owning
 * `opsbook`, else the default).
 */
function labelsOf(config: OpsConfig, incidentId: string, source: StuckSource): Record<string, string> {
  const policy = policyForLabels(config, {}, 'opsbook');
  return { alertname: STUCK_ALERTNAME, incident: incidentId, stuck_in: source, ...(policy ? { escalation_policy: policy } : {}) };
}

/** The firing alert of an incident opsbook cannot page for. */
export function stuckAlert(config: OpsConfig, incident: { id: string; title?: string | undefined }, err: unknown, attempts: number, source: StuckSource, at: number): AlertEvent {
  const named = incident.title ? `${incident.id} "${incident.title}"` : incident.id;
  const how = source === 'escalation step' ? `${attempts} attempts in a row at its next escalation step failed` : `${attempts} looks in a row for missed pages could not start its escalation`;
  return {
    kind: 'firing',
    // A rule of its own: alerts without a service are grouped by rule.
    ruleId: stuckDedupKey(incident.id),
    dedupKey: stuckDedupKey(incident.id),
    labels: labelsOf(config, incident.id, source),
    annotations: {
      summary: `opsbook cannot page for incident ${named}: ${how} (${errorText(err)}); its on-call may not be paged`,
      description:
        `opsbook keeps trying (its log says "escalation step could not run" or "triggered incidents still unpaged" for ${incident.id}). ` +
        `Until it can, page the incident's on-call by hand and answer the incident; this incident resolves when its paging runs again or it is answered.`,
    },
    severity: configuredLadder(config.severities).aboutOpsbook,
    at,
  };
}

/** The alert that resolves it. */
export function stuckResolved(config: OpsConfig, incidentId: string, why: string, source: StuckSource, at: number): AlertEvent {
  return {
    kind: 'resolved',
    ruleId: stuckDedupKey(incidentId),
    dedupKey: stuckDedupKey(incidentId),
    labels: labelsOf(config, incidentId, source),
    annotations: { summary: `opsbook's paging for incident ${incidentId} is no longer stuck: ${why}` },
    severity: configuredLadder(config.severities).aboutOpsbook,
    at,
  };
}
