import type { Store } from '../store/index.js';

/**
 * How long readiness waits for the store before it answers that the store is failing: a stalled
 * database (packets dropped, a hung connection) never answers, and a probe that never answers says
 * nothing — Kubernetes gives up on its own after 1 s by default and a person's curl hangs.
 */
export const STORE_ANSWER_BOUND_MS = 2000;

/**
 * How long a store check still in flight is waited on by later probes rather than a new one
 * started: while the store hangs, at most one more query joins the hung ones this often.
 */
const REUSE_FOR_MS = 10_000;

/** One line of readiness: a part of opsbook and whether it holds. */
export interface ReadinessCheck {
  status: 'ok' | 'failing';
  detail?: string;
  latency_ms?: number;
}

export interface StoreChecks {
  store: ReadinessCheck;
  migrations: ReadinessCheck;
}

const round = (ms: number): number => Math.round(ms * 100) / 100;

/**
 * The store half of readiness: a ping and the migrations read, answered within a bound. Probes
 * arriving while a check is in flight share it, so a hung store does not collect one query per probe.
 */
export class StoreReadiness {
  private inFlight: { started: number; result: Promise<StoreChecks> } | undefined;

  constructor(
    private readonly store: Store,
    private readonly boundMs = STORE_ANSWER_BOUND_MS,
  ) {}

  async check(): Promise<StoreChecks> {
    const now = performance.now();
    if (!this.inFlight || now - this.inFlight.started > REUSE_FOR_MS) {
      const current = { started: now, result: this.run(now) };
      this.inFlight = current;
      void current.result.finally(() => {
        if (this.inFlight === current) this.inFlight = undefined;
      });
    }
    const { started, result } = this.inFlight;
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<StoreChecks>((resolve) => {
      timer = setTimeout(() => {
        const waited = round(performance.now() - started);
        resolve({
          store: { status: 'failing', detail: `no answer within ${this.boundMs / 1000} s (its check has waited ${Math.round(waited / 100) / 10} s)`, latency_ms: waited },
          migrations: { status: 'failing', detail: 'store not answering' },
        });
      }, this.boundMs);
      timer.unref();
    });
    try {
      return await Promise.race([result, bound]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async run(t0: number): Promise<StoreChecks> {
    try {
      await this.store.ping();
      const store: ReadinessCheck = { status: 'ok', latency_ms: round(performance.now() - t0) };
      const status = await this.store.migrationStatus();
      const migrations: ReadinessCheck = status.pending.length === 0 ? { status: 'ok', detail: `${status.applied.length} applied` } : { status: 'failing', detail: `pending: ${status.pending.join(', ')}` };
      return { store, migrations };
    } catch (e) {
      return { store: { status: 'failing', detail: (e as Error).message, latency_ms: round(performance.now() - t0) }, migrations: { status: 'failing', detail: 'store unreachable' } };
    }
  }
}
