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
 * One read that probes arriving while it is in flight share, each waiting for it no longer than its
 * bound: while the store hangs, at most one more query joins the hung ones every REUSE_FOR_MS.
 */
export class SharedRead<T> {
  private inFlight: { started: number; result: Promise<T> } | undefined;

  constructor(private readonly read: () => Promise<T>) {}

  /** The read's answer within `boundMs`, or how long it had been waited on when the bound ran out. */
  async within(boundMs: number): Promise<{ answered: true; value: T } | { answered: false; waitedMs: number }> {
    const now = performance.now();
    if (!this.inFlight || now - this.inFlight.started > REUSE_FOR_MS) {
      const current = { started: now, result: this.read() };
      this.inFlight = current;
      const done = () => {
        if (this.inFlight === current) this.inFlight = undefined;
      };
      current.result.then(done, done);
    }
    const { started, result } = this.inFlight;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<{ answered: false; waitedMs: number }>((resolve) => {
      timer = setTimeout(() => resolve({ answered: false, waitedMs: round(performance.now() - started) }), Math.max(0, boundMs));
      timer.unref();
    });
    try {
      return await Promise.race([result.then((value) => ({ answered: true as const, value })), late]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * The store half of readiness: a ping and the migrations read, answered within a bound. Probes
 * arriving while a check is in flight share it, so a hung store does not collect one query per probe.
 */
export class StoreReadiness {
  private readonly checks = new SharedRead(() => this.run(performance.now()));

  constructor(
    private readonly store: Store,
    /** How long a probe waits for the store: for this check, and for whatever else it reads of the store after it. */
    readonly boundMs = STORE_ANSWER_BOUND_MS,
  ) {}

  async check(): Promise<StoreChecks> {
    const answer = await this.checks.within(this.boundMs);
    if (answer.answered) return answer.value;
    const waited = answer.waitedMs;
    return {
      store: { status: 'failing', detail: `no answer within ${this.boundMs / 1000} s (its check has waited ${Math.round(waited / 100) / 10} s)`, latency_ms: waited },
      migrations: { status: 'failing', detail: 'store not answering' },
    };
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
