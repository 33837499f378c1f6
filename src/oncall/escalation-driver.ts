import { bindContext } from '../lib/async-context.js';
import type { Kysely, Transaction } from 'kysely';
import type { Clock } from '../lib/clock.js';
import { dueEscalations, getEscalation, nextEscalationAt, postponeEscalation, saveEscalation, type Database, type EscalationRow, type Store } from '../store/index.js';
import { RETRY_AFTER_ERROR_MS } from '../lib/rearm.js';
import {
  acknowledgeEscalation,
  escalateEscalation,
  onTimer,
  resolveEscalation,
  reviseEscalation,
  schedulePages,
  startEscalation,
  type EscalationAction,
  type EscalationState,
  type EscalationStatus,
  type PendingPage,
} from './escalation.js';
import { resolveStepTargets, type Recipient } from './targets.js';
import { isOpsbookError } from '../lib/errors/index.js';
import type { EscalationPolicy, EscalationStep, PersonalRule, Schedule } from './types.js';
import { schedulesWithOverrides } from './override-book.js';

/** The longest wait before a step that could not run is tried again. */
const MAX_RETRY_MS = 5 * 60_000;

/** One step's page, with its targets resolved to people and channels at the instant it fell due. */
export interface EscalationNotice {
  incidentId: string;
  policyId: string;
  /** Stable per incident, opening, policy, round and step. */
  key: string;
  stepIndex: number;
  round: number;
  reason: 'start' | 'timeout' | 'response_target' | 'after_open' | 'rule';
  at: number;
  recipients: Recipient[];
  /** For a person's later rule: its index in their rules and how long after the step it fires. */
  rule?: { index: number; afterMs: number };
}

export interface EscalationDriverOptions {
  store: Store;
  clock: Clock;
  policies: readonly EscalationPolicy[];
  schedules: readonly Schedule[];
  /**
   * A paged person's notification rules for an incident of this severity, earliest first; undefined
   * when they have none (every contact at once).
   */
  rules?: (user: string, severity: string | undefined) => readonly PersonalRule[] | undefined;
  /**
   * Called inside the transaction that saves the new state, so a page is enqueued exactly when
   * its step is recorded (a crash loses neither, and never sends one without the other).
   */
  onNotice: (notice: EscalationNotice, trx: Transaction<Database>) => Promise<void>;
  /**
   * Called first in each transaction that advances an escalation on its timer, before its fencing
   * check and any read: the locks every writer of what `onNotice` writes (the pages' timeline lines)
   * takes first, so that transaction never waits for one while holding rows another writer needs.
   */
  lock?: (trx: Transaction<Database>) => Promise<void>;
  onExhausted?: (incidentId: string, policyId: string, trx: Transaction<Database>) => Promise<void>;
  /**
   * The incident's response target passed at `at` (its due time, earlier than now when catching up)
   * with its escalation unanswered: called once per target, in the transaction that saves the state
   * recording it, so the record and what it writes (the timeline's line) commit together.
   */
  onResponseMissed?: (miss: { incidentId: string; at: number; severity?: string }, trx: Transaction<Database>) => Promise<void>;
  /** Called after a step's transaction commits, for work that must not hold it (waking the outbox). */
  onCommitted?: () => Promise<void> | void;
  /**
   * A step could not run and was postponed: `attempts` is how many times in a row the incident's
   * steps have failed (the count its backoff follows). For telling someone, not for paging work of
   * its own: called after the postponement is written, outside any transaction, never awaited.
   */
  onStepFailed?: (incidentId: string, failure: { err: unknown; attempts: number }) => void;
  /** A step of the incident's escalation ran (it committed, or another process had advanced it). */
  onStepRan?: (incidentId: string) => void;
  logger?: { warn(obj: unknown, msg?: string): void };
  /**
   * Several processes on one PostgreSQL: whether this process advances an incident's escalation
   * (its partition's lease is held here), and the fencing check in the transaction that advances it.
   */
  owns?: (incidentId: string) => boolean;
  fence?: (incidentId: string, trx: Transaction<Database>) => Promise<void>;
  /**
   * With `owns`: look for escalations other processes started at least this often (ms of real time:
   * how soon another process's write is seen is not a matter of the clock the escalations run on).
   * Also the wait before trying again after a run failed (on the clock).
   */
  pollMs?: number;
}

type Db = Kysely<Database> | Transaction<Database>;

/** What `revise` did: followed the new severity, found no escalation, or found its state unreadable. */
export type Revision = 'revised' | 'none' | 'unreadable';

/**
 * Runs escalations against the store: each incident's state is one row whose `next_at` is its only
 * timer, so a restarted daemon finds what fell due while it was down and catches up in order.
 */
export class EscalationDriver {
  private policies = new Map<string, EscalationPolicy>();
  private schedules = new Map<string, Schedule>();
  private cancelTimer: (() => void) | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private armedAt: number | undefined;
  private running: Promise<void> | undefined;
  /** A tick arrived during a run. */
  private again = false;
  private stopped = false;
  /** Steps that could not run, by incident: how many times in a row (their retry backs off). */
  private readonly failures = new Map<string, number>();

  constructor(private readonly opts: EscalationDriverOptions) {
    this.configure(opts.policies, opts.schedules);
  }

  configure(policies: readonly EscalationPolicy[], schedules: readonly Schedule[]): void {
    this.policies = new Map(policies.map((p) => [p.id, p]));
    this.schedules = new Map(schedules.map((s) => [s.id, s]));
  }

  hasPolicy(id: string): boolean {
    return this.policies.has(id);
  }

  /**
   * Starts paging for an incident (no-op when one already runs for it). `opened`: the incident was
   * opened in `trx` itself, so no escalation of it can exist and none is looked for. True when it
   * started one.
   */
  async start(incident: { id: string; openedAt: number; responseTargetMs?: number; severity?: string; epoch?: number }, policyId: string, trx: Transaction<Database>, opened = false): Promise<boolean> {
    const policy = this.policies.get(policyId);
    if (!policy) throw new Error(`unknown escalation policy ${policyId}`);
    const existing = opened ? undefined : await getEscalation(trx, incident.id);
    if (existing && existing.status === 'active') return false;
    const now = this.opts.clock.now();
    const r = startEscalation(policy, incident, now);
    const state = await this.persist(trx, r.state, r.actions, policy, now);
    this.wake(state.nextAt ?? undefined);
    return true;
  }

  /**
   * The incident's severity changed: its escalation follows the new one (see `reviseEscalation`);
   * pages that falls due at once go out in the same transaction. `none` when it has no escalation
   * (or its policy is gone); `unreadable` when its stored state is not JSON: nothing is written, and
   * the change goes on without it — its steps fail on their timer and are retried (see `postpone`),
   * and `onStepFailed` tells of them.
   */
  async revise(incident: { id: string; openedAt: number; responseTargetMs?: number; severity?: string }, trx: Transaction<Database>): Promise<Revision> {
    const row = await getEscalation(trx, incident.id);
    if (!row) return 'none';
    const policy = this.policies.get(row.policy_id);
    if (!policy) return 'none';
    let state: EscalationState;
    try {
      state = JSON.parse(row.state) as EscalationState;
    } catch {
      return 'unreadable';
    }
    const now = this.opts.clock.now();
    const r = reviseEscalation(policy, state, incident, now);
    if (r.state === state) return 'revised';
    const saved = await this.persist(trx, r.state, r.actions, policy, now);
    this.wake(saved.nextAt ?? undefined);
    return 'revised';
  }

  /**
   * A person escalates now (see `escalateEscalation`), in `trx`, their action's transaction: the
   * next step's pages are written through `onNotice` as a timed step's are (the same keys, outbox
   * rows and timeline lines) and the chain saved running from that step with them, its timeout and
   * its people's later rules armed, also when people had stopped it by acknowledging (the incident
   * is triggered again in the same transaction, see `escalateNow`). `state` is the escalation as
   * read in `trx`. The step paged (undefined: none after the current one, nothing written). Throws
   * when its policy is no longer configured.
   */
  async escalate(trx: Transaction<Database>, state: EscalationState): Promise<{ stepIndex: number; round: number } | undefined> {
    const policy = this.policies.get(state.policyId);
    if (!policy) throw new Error(`unknown escalation policy ${state.policyId}`);
    const now = this.opts.clock.now();
    const r = escalateEscalation(policy, state, now);
    if (!r.step) return undefined;
    const saved = await this.persist(trx, r.state, r.actions, policy, now);
    this.wake(saved.nextAt ?? undefined);
    return r.step;
  }

  /**
   * Stops paging: an acknowledgement or resolution ends the escalation. The escalation's status
   * before the stop (undefined: the incident has none), which says what the stop is news of.
   */
  async stop(incidentId: string, reason: 'acknowledged' | 'resolved', by: string, db: Db): Promise<EscalationStatus | undefined> {
    const row = await getEscalation(db, incidentId);
    if (!row) return undefined;
    // An answered chain is not retried: its count of failed steps goes with it.
    this.failures.delete(incidentId);
    const now = this.opts.clock.now();
    let state: EscalationState;
    try {
      state = JSON.parse(row.state) as EscalationState;
    } catch {
      // An unreadable state (its steps can no longer run, see `postpone`) must not keep a chain
      // alive that a person answered: it stops, its state kept as it was.
      await saveEscalation(db, { ...row, status: reason, next_at: null, updated_at: now });
      return row.status as EscalationStatus;
    }
    const next = reason === 'acknowledged' ? acknowledgeEscalation(state, now, by) : resolveEscalation(state, now, by);
    if (next !== state) await saveEscalation(db, this.row(next));
    return row.status as EscalationStatus;
  }

  async state(incidentId: string): Promise<EscalationState | undefined> {
    return this.stateIn(this.opts.store.db, incidentId);
  }

  /** The incident's escalation as read through `db` (a transaction: as that transaction sees it). */
  async stateIn(db: Db, incidentId: string): Promise<EscalationState | undefined> {
    const row = await getEscalation(db, incidentId);
    return row ? (JSON.parse(row.state) as EscalationState) : undefined;
  }

  /**
   * Advances every due escalation; re-arms the timer for the next one. A tick that arrives while a
   * run is in progress is not dropped: the run looks again before it ends, with the time of then.
   */
  tick(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.runInOwnContext().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /**
   * A run, in the context the driver was built in, not in that of whatever started it (an escalation
   * started, or its timer armed, while a check's result was handled under that check's lease): the
   * steps (their pages and the pages' timeline lines) are fenced by their incident's lease.
   */
  private readonly runInOwnContext = bindContext(() => this.runUntilQuiet());

  private async runUntilQuiet(): Promise<void> {
    do {
      this.again = false;
      await this.runDue();
    } while (this.again && !this.stopped);
  }

  /** Arms the timer from the store's earliest pending escalation (call once on start). */
  async resume(): Promise<void> {
    await this.tick();
  }

  /** Resolves once no run is in progress (a run that starts meanwhile is awaited too). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.cancelTimer?.();
    clearTimeout(this.pollTimer);
    await this.running;
  }

  private async runDue(): Promise<void> {
    const now = this.opts.clock.now();
    const owns = this.opts.owns;
    for (let offset = 0; ; ) {
      const batch = await dueEscalations(this.opts.store.db, now, 50, offset);
      if (batch.length === 0) break;
      // Rows another process advances stay due for it: step past them.
      const due = owns ? batch.filter((r) => owns(r.incident_id)) : batch;
      offset += batch.length - due.length;
      for (const row of due) {
        const policy = this.policies.get(row.policy_id);
        if (!policy) {
          this.opts.logger?.warn({ incident: row.incident_id, policy: row.policy_id }, 'escalation policy no longer configured; escalation paused');
          await saveEscalation(this.opts.store.db, { ...row, next_at: null, updated_at: now });
          continue;
        }
        try {
          await this.opts.store.db.transaction().execute(async (trx) => {
            await this.opts.lock?.(trx);
            await this.opts.fence?.(row.incident_id, trx);
            // Another process may have advanced it since the read: only the writer that still sees
            // the same version proceeds.
            const fresh = await getEscalation(trx, row.incident_id);
            if (!fresh || fresh.updated_at !== row.updated_at || fresh.next_at !== row.next_at) return;
            const r = onTimer(policy, JSON.parse(fresh.state) as EscalationState, now);
            await this.persist(trx, r.state, r.actions, policy, now);
          });
        } catch (e) {
          // The partition passed to another process meanwhile: that process advances the rest.
          if (isOpsbookError(e) && e.code === 'OPSBOOK_E_FENCED') return;
          await this.postpone(row, now, e);
          continue;
        }
        this.failures.delete(row.incident_id);
        this.opts.onStepRan?.(row.incident_id);
        await this.opts.onCommitted?.();
      }
    }
    if (!owns) {
      this.wake(await nextEscalationAt(this.opts.store.db));
      return;
    }
    // Shared: the next row to fall due after now. One due now that another process advances is its
    // own (looked at again every 100 ms, it had every member query the store ten times a second
    // while its holder was slow or dead); if this process comes to hold it, the lease move ticks.
    // Others start escalations this process must see, which a poll on real time finds.
    const next = await nextEscalationAt(this.opts.store.db, now);
    this.wake(next === undefined ? undefined : Math.max(now + 100, next));
    this.armPoll();
  }

  /**
   * A step that could not run (its state unreadable, a target that throws, a row the store
   * refuses) must not hold back the escalations queued after it: its timer moves later, backing
   * off from 5 s to 5 min, and the run goes on. When even that write fails the store itself is
   * failing: the error ends the run, which is tried again shortly (see `runNow`).
   */
  private async postpone(row: EscalationRow, now: number, err: unknown): Promise<void> {
    const attempts = (this.failures.get(row.incident_id) ?? 0) + 1;
    const retryAt = now + Math.min(MAX_RETRY_MS, RETRY_AFTER_ERROR_MS * 2 ** (attempts - 1));
    const moved = await postponeEscalation(this.opts.store.db, row, retryAt).catch(() => {
      throw err;
    });
    if (moved) this.failures.set(row.incident_id, attempts);
    this.opts.logger?.warn({ err, incident: row.incident_id, attempts, retryAt: new Date(retryAt).toISOString() }, 'escalation step could not run; the other escalations go on, this one is tried again later');
    if (moved) this.opts.onStepFailed?.(row.incident_id, { err, attempts });
  }

  private armPoll(): void {
    if (this.stopped) return;
    clearTimeout(this.pollTimer);
    this.pollTimer = setTimeout(() => this.runNow(), this.opts.pollMs ?? 1000);
    this.pollTimer.unref();
  }

  /**
   * Saves the state and sends its actions. People a step reaches with rules get their immediate
   * rules in the step's notice and their later ones as pending pages in the state; pages already
   * due (catching up after a restart) are sent before the save.
   */
  private async persist(trx: Transaction<Database>, state: EscalationState, actions: EscalationAction[], policy: EscalationPolicy, now: number): Promise<EscalationState> {
    let s = state;
    let todo = actions;
    for (let guard = 0; todo.length > 0 && guard < 10; guard++) {
      const pages: PendingPage[] = [];
      for (const action of todo) await this.send(trx, action, policy, s, pages);
      s = schedulePages(s, pages);
      const caughtUp = onTimer(policy, s, now);
      s = caughtUp.state;
      todo = caughtUp.actions;
    }
    await saveEscalation(trx, this.row(s));
    return s;
  }

  /** The step's schedules with the overrides people made at runtime, read in the paging transaction. */
  private async schedulesFor(trx: Transaction<Database>, step: EscalationStep): Promise<Schedule[]> {
    const ids = new Set(step.targets.flatMap((t) => ('schedule' in t ? [t.schedule] : [])));
    return schedulesWithOverrides(trx, [...this.schedules.values()].filter((s) => ids.has(s.id)));
  }

  private async send(trx: Transaction<Database>, action: EscalationAction, policy: EscalationPolicy, state: EscalationState, pages: PendingPage[]): Promise<void> {
    if (action.type === 'exhausted') {
      await this.opts.onExhausted?.(action.incidentId, action.policyId, trx);
      return;
    }
    if (action.type === 'response_missed') {
      await this.opts.onResponseMissed?.({ incidentId: action.incidentId, at: action.at, ...(action.severity !== undefined ? { severity: action.severity } : {}) }, trx);
      return;
    }
    const base = { incidentId: action.incidentId, policyId: action.policyId, stepIndex: action.stepIndex, round: action.round, at: action.at };
    if (action.type === 'page') {
      const recipient: Recipient = { kind: 'user', user: action.user, ...(action.schedule ? { schedule: action.schedule } : {}), ...(action.via ? { via: action.via } : {}) };
      const rule = this.opts.rules?.(action.user, state.severity)?.[action.rule];
      await this.opts.onNotice({ ...base, key: action.key, reason: 'rule', recipients: [recipient], rule: { index: action.rule, afterMs: rule?.afterMs ?? 0 } }, trx);
      return;
    }
    const recipients: Recipient[] = [];
    const step = policy.steps[action.stepIndex]!;
    for (const r of resolveStepTargets(step, action.at, await this.schedulesFor(trx, step))) {
      const rules = r.kind === 'user' ? this.opts.rules?.(r.user, state.severity) : undefined;
      if (r.kind !== 'user' || !rules || rules.length === 0) {
        recipients.push(r);
        continue;
      }
      rules.forEach((rule, index) => {
        if (rule.afterMs <= 0) recipients.push({ ...r, ...(rule.via ? { via: rule.via } : {}) });
        else
          pages.push({
            key: `${action.key}/user:${r.user}/rule${index}`,
            stepIndex: action.stepIndex,
            round: action.round,
            user: r.user,
            ...(r.schedule ? { schedule: r.schedule } : {}),
            ...(rule.via ? { via: rule.via } : {}),
            dueAt: action.at + rule.afterMs,
            rule: index,
            untilResolved: action.reason === 'after_open',
          });
      });
    }
    await this.opts.onNotice({ ...base, key: action.key, reason: action.reason, recipients }, trx);
  }

  private row(state: EscalationState) {
    return {
      incident_id: state.incidentId,
      policy_id: state.policyId,
      status: state.status,
      next_at: state.nextAt,
      state: JSON.stringify(state),
      updated_at: this.opts.clock.now(),
    };
  }

  private wake(at: number | undefined): void {
    if (this.stopped || at === undefined) return;
    if (this.armedAt !== undefined && this.armedAt <= at) return;
    this.cancelTimer?.();
    this.armedAt = at;
    this.cancelTimer = this.opts.clock.at(at, () => {
      this.armedAt = undefined;
      this.cancelTimer = undefined;
      this.runNow();
    });
  }

  private runNow(): void {
    void this.tick().catch((err: unknown) => {
      this.opts.logger?.warn({ err }, 'escalation timers could not run; trying again');
      // The store may be back soon; the rows keep every timer, so nothing is lost meanwhile.
      this.wake(this.opts.clock.now() + (this.opts.pollMs ?? 5000));
    });
  }
}
