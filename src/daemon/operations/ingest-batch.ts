import type { AlertEvent } from '../../alerts/index.js';
import type { IncidentResult } from '../../incidents/index.js';

/** Most alerts one group commit takes; the rest wait for the next. */
export const GROUP_COMMIT_MAX = 64;

interface Waiting {
  event: AlertEvent;
  resolve: (r: IncidentResult | undefined) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit for alerts from outside: one alert per request (the events API) would cost a
 * transaction and its commit each. Alerts that arrive while the pipeline is busy wait here and go
 * through the incident engine together, in arrival order, in one transaction; each caller is
 * answered with its own result once that transaction and its effects are done. If the group fails,
 * each alert is tried on its own, so one bad alert fails only its own request.
 */
export class IngestGroup {
  private waiting: Waiting[] = [];

  constructor(
    /** Queues `job` on the pipeline's queue. */
    private readonly schedule: (job: () => Promise<void>) => void,
    /** Handles alerts in one transaction; one result per alert, in order. */
    private readonly together: (events: readonly AlertEvent[]) => Promise<(IncidentResult | undefined)[]>,
    /** Handles one alert (the fallback when a group fails). */
    private readonly alone: (event: AlertEvent) => Promise<IncidentResult | undefined>,
    private readonly max = GROUP_COMMIT_MAX,
  ) {}

  add(event: AlertEvent): Promise<IncidentResult | undefined> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ event, resolve, reject });
      // The first alert to wait books the group's turn on the queue; later ones ride along.
      if (this.waiting.length === 1) this.schedule(() => this.flush());
    });
  }

  /** Alerts waiting for their group's turn. */
  get size(): number {
    return this.waiting.length;
  }

  private async flush(): Promise<void> {
    const group = this.waiting.splice(0, this.max);
    if (this.waiting.length > 0) this.schedule(() => this.flush());
    if (group.length === 0) return;
    let results: (IncidentResult | undefined)[];
    try {
      results = await this.together(group.map((w) => w.event));
    } catch (e) {
      if (group.length === 1) group[0]!.reject(e);
      else for (const w of group) await this.alone(w.event).then(w.resolve, w.reject);
      return;
    }
    group.forEach((w, i) => w.resolve(results[i]));
  }
}
