import { performance } from 'node:perf_hooks';
import type { Operations } from '../daemon/operations/index.js';
import { OPEN_STATES, type Incident, type IncidentAlert } from '../incidents/index.js';
import type { SimulatedClock } from '../lib/clock.js';
import { Laps } from './laps.js';

export const MINUTE = 60_000;
/** Real time a timer's probes and deliveries may take before simulated time moves on (loopback peers answer in milliseconds). */
const IN_FLIGHT_WAIT_MS = 5_000;
/** A condition is looked at when the pipeline changed something, and at least this often (simulated). */
const LOOK_EVERY_MS = 30_000;
/** The widest batch of timers fired together (simulated ms), whatever the config allows. */
const MAX_BATCH_MS = 5_000;

/**
 * How far apart (simulated ms) timers may be and still fire together, their probes and deliveries
 * in flight side by side and settled once: half the shortest timeout or check interval anywhere in
 * the config. A timeout a probe arms when it starts is then always past the batch, so no probe is
 * timed out by the batch it started in, and no check comes due again while its run is in flight.
 */
export function batchWindowMs(config: unknown): number {
  let shortest = Number.POSITIVE_INFINITY;
  const walk = (v: unknown, key: string): void => {
    if (typeof v === 'number') {
      if (v > 0 && (/timeout$/i.test(key) || key === 'interval')) shortest = Math.min(shortest, v);
      return;
    }
    if (Array.isArray(v)) for (const x of v) walk(x, key);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  walk(config, '');
  return Math.max(0, Math.min(MAX_BATCH_MS, Math.floor(shortest / 2)));
}

/**
 * Moves simulated time for a game day: straight to the next due timer (a check, an escalation
 * timeout, an evaluator, an outbox retry), never in fixed steps, and waits in real time only for
 * the I/O a timer actually started (probes, deliveries) before moving on.
 */
export class Driver {
  /** Something happened in the pipeline since the condition was last looked at. */
  private changed = true;
  private readonly unsubscribe: () => void;
  /** Real seconds spent waiting on probes, deliveries and the pipeline, on timers and on conditions. */
  readonly laps = new Laps();

  constructor(
    private readonly clock: SimulatedClock,
    private readonly ops: Operations,
    /** How many notifications the receiver holds: an arrival is a change worth looking at. */
    private readonly arrivals: () => number,
    /** Timers this close (simulated ms) fire together and are settled once (batchWindowMs); 0: each settled on its own. */
    private readonly batchMs = 0,
    /** What the world itself has in flight (its users' requests): done before time moves on. */
    private readonly worldIdle: () => Promise<void> = async () => {},
  ) {
    this.unsubscribe = ops.on((e) => {
      if (e.type === 'incident') this.changed = true;
    });
  }

  close(): void {
    this.unsubscribe();
  }

  now(): number {
    return this.clock.now();
  }

  /** Probes and deliveries a timer started finish before time moves past their own timeouts. */
  private readonly settle = async (): Promise<void> => {
    const t0 = Date.now();
    await Promise.race([this.worldIdle(), new Promise((r) => setTimeout(r, IN_FLIGHT_WAIT_MS).unref())]);
    await this.ops.settle(IN_FLIGHT_WAIT_MS);
    const t1 = Date.now();
    await Promise.race([this.ops.outbox.idle(), new Promise((r) => setTimeout(r, IN_FLIGHT_WAIT_MS).unref())]);
    const t2 = Date.now();
    await this.ops.idle();
    this.laps.addMs('settle: probes', t1 - t0);
    this.laps.addMs('settle: outbox', t2 - t1);
    this.laps.addMs('settle: pipeline', Date.now() - t2);
    this.laps.addMs('settles (count)', 1000);
    if (process.env.OPSBOOK_GAMEDAY_DEBUG && Date.now() - t0 > 300) process.stderr.write(`settle at ${new Date(this.clock.now()).toISOString()}: probes ${t1 - t0} ms, outbox ${t2 - t1} ms, pipeline ${Date.now() - t2} ms\n`);
  };

  /** Fires every timer due up to `target` (each with its I/O settled), and lands there. */
  async advanceTo(target: number): Promise<void> {
    await this.settle();
    await this.clock.advanceTo(target, this.settle);
    await this.settle();
  }

  /**
   * Moves time timer by timer until `probe` gives a value, or `maxMs` of simulated time has passed.
   * The probe runs when the pipeline changed something (an incident event, a delivery), every
   * 30 simulated seconds otherwise, and at the deadline.
   */
  async until<T>(maxMs: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T | undefined> {
    const deadline = this.clock.now() + maxMs;
    let lookedAt = Number.NEGATIVE_INFINITY;
    let seen = -1;
    for (;;) {
      const now = this.clock.now();
      if (this.changed || seen !== this.arrivals() || now - lookedAt >= LOOK_EVERY_MS || now >= deadline) {
        this.changed = false;
        seen = this.arrivals();
        lookedAt = now;
        const tp = performance.now();
        const v = await probe();
        this.laps.add('conditions', tp);
        if (v !== undefined) return v;
        if (now >= deadline) return undefined;
      }
      const next = this.clock.nextTimerAt();
      const ta = performance.now();
      if (next === undefined || this.batchMs === 0) await this.clock.advanceTo(next === undefined ? deadline : Math.min(Math.max(next, now), deadline), this.settle);
      // The next timer and every one due within the batch window after it, then one settle for all.
      else await this.clock.advanceTo(Math.min(Math.max(next, now) + this.batchMs, deadline));
      await this.settle();
      this.laps.add('timer steps', ta);
      this.laps.addMs('timer steps (count)', 1000);
    }
  }

  /** Lets `ms` of simulated time pass, the pipeline running as it would. */
  async pass(ms: number): Promise<void> {
    await this.until(ms, () => undefined);
  }

  openIncidents(): Promise<Incident[]> {
    return this.ops.incidents.listAll({ state: OPEN_STATES });
  }

  async incidentWith(ruleId: string): Promise<{ incident: Incident; alert: IncidentAlert } | undefined> {
    for (const incident of await this.openIncidents()) {
      const alert = (await this.ops.incidents.alerts(incident.id)).find((a) => a.ruleId === ruleId && a.state === 'firing');
      if (alert) return { incident, alert };
    }
    return undefined;
  }

  async describeOpen(): Promise<string[]> {
    const out: string[] = [];
    for (const i of await this.openIncidents()) out.push(`incident ${i.id} ${i.severity} "${i.title}" (${(await this.ops.incidents.alerts(i.id)).map((a) => `${a.ruleId} ${a.state}`).join(', ')})`);
    return out;
  }

  async openSummary(): Promise<string> {
    const open = await this.describeOpen();
    return open.length === 0 ? ' (no incident open)' : ` (open: ${open.join('; ')})`;
  }
}
