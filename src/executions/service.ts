import { join } from 'node:path';
import { configSecrets, maskWritten, type OpsConfig } from '../config/index.js';
import type { Actor } from '../identity/index.js';
import { roleAllows } from '../identity/index.js';
import type { Clock } from '../lib/clock.js';
import { OpsbookError } from '../lib/errors/index.js';
import { newId } from '../lib/ids.js';
import { findProcedure, type Runbook } from '../runbooks/index.js';
import {
  countExecutionRows,
  endRunningExecution,
  findExecution,
  findExecutionEntry,
  findExecutionOutput,
  requireIncident,
  insertExecution,
  lastAuditOf,
  listExecutionEntries,
  listExecutionRows,
  releaseExecutionLocks,
  upsertRecoveryTest,
  type ExecutionListFilter,
  type ExecutionRow,
  type StepClaim,
  type Store,
} from '../store/index.js';
import { withAudit, type ExecutionLogger } from './audit.js';
import type { IncidentLink } from './incident-link.js';
import { InProcessExecutions } from './in-process.js';
import { markInterruptedSteps, nextInterruptedLookIn } from './interrupted.js';
import { computeOutcome, recoveryTime } from './outcome.js';
import { closeExecutionsOfIncident } from './close-with-incident.js';
import { paramKey } from './params.js';
import { buildPlan, settingsFor, type BuiltPlan } from './plan.js';
import { knownProcedures, resolveProcedure } from './runbooks.js';
import { runOnce } from './running-steps.js';
import { OpsbookStopped, stopRunningSteps, type StopStepsOptions } from './stop-steps.js';
import { recordEntry, runStep, type RunStepOptions, type StepContext } from './step-runner.js';
import { describeEntry, entryHappenedAt, toEntry, toSummary } from './transcript.js';
import type { ExecutionEnding, ExecutionOutcome, ExecutionSummary, Plan, StepRunResult, TranscriptEntry } from './types.js';

export { InProcessExecutions } from './in-process.js';

export interface ExecutionDeps {
  store: Store;
  clock: Clock;
  config: OpsConfig;
  /** The config directory: runbook paths and `params.*.file` resolve against it. */
  baseDir: string;
  runbooks: Runbook[];
  logger?: ExecutionLogger;
  incidents?: IncidentLink;
  /** Environment `procedures[…].params.*.env` is read from (default process.env). */
  env?: Record<string, string | undefined>;
  /** opsbook's data directory; shell steps run in `<dataDir>/work/<service>` unless the service names a cwd. */
  dataDir?: string;
  /**
   * What this process holds of its running executions. A daemon's reload builds a new service and
   * hands it the old one's, so executions started before it keep their secrets and their running
   * steps can still be stopped.
   */
  inProcess?: InProcessExecutions;
}

export interface PlanOptions {
  params?: Record<string, string>;
  /** Names of `params` to mask (besides those configured secret or named like one). */
  secretNames?: string[];
  incidentId?: string;
  service?: string;
}

export interface StartOptions extends PlanOptions {
  trigger?: 'manual' | 'cron';
}

/** What an execution row keeps besides the plan: how to build it again (secret values excepted). */
interface StoredPlan {
  plan: Plan;
  inputs: { service?: string; incidentId?: string; params: Record<string, string>; secretNames: string[] };
}

/**
 * Runs runbook procedures: plans them, runs steps behind the safety gate, records every command
 * in a transcript (and the incident's timeline), appends every action to the audit log.
 */
export class ExecutionService {
  private readonly controllers: Map<string, Set<AbortController>>;
  private readonly secretParams: Map<string, Record<string, string>>;
  readonly inProcess: InProcessExecutions;

  constructor(readonly deps: ExecutionDeps) {
    this.inProcess = deps.inProcess ?? new InProcessExecutions();
    this.controllers = this.inProcess.controllers;
    this.secretParams = this.inProcess.secretParams;
  }

  private dataDir(): string {
    return this.deps.dataDir ?? join(this.deps.baseDir, '.opsbook');
  }

  private async build(reference: string, options: PlanOptions & { outputs?: Record<string, string> }): Promise<BuiltPlan> {
    const { runbook, procedure } = resolveProcedure(this.deps.runbooks, reference);
    let incident: { id: string; service: string | null; labels: Record<string, string> } | undefined;
    if (options.incidentId) {
      incident = await this.deps.incidents?.find(options.incidentId);
      if (!incident) throw new OpsbookError('OPSBOOK_E_NOT_FOUND', `no incident ${options.incidentId}`);
    }
    return buildPlan({
      runbook,
      procedure,
      config: this.deps.config,
      baseDir: this.deps.baseDir,
      defaultCwd: (service) => join(this.dataDir(), 'work', service),
      ...(options.service ? { service: options.service } : {}),
      ...(incident ? { incident } : {}),
      params: options.params ?? {},
      secretNames: options.secretNames ?? [],
      outputs: options.outputs ?? {},
      env: this.deps.env ?? process.env,
    });
  }

  /** What running the procedure would do here; nothing runs and nothing is stored. */
  async plan(reference: string, options: PlanOptions = {}): Promise<Plan> {
    return (await this.build(reference, options)).plan;
  }

  /** Starts an execution: stores its plan and audits who started it. */
  async start(reference: string, actor: Actor, options: StartOptions = {}): Promise<{ id: string; plan: Plan }> {
    const built = await this.build(reference, options);
    const now = this.deps.clock.now();
    const id = newId('exe', now);
    const params: Record<string, string> = {};
    const secret: Record<string, string> = {};
    for (const [k, v] of Object.entries(options.params ?? {})) {
      if (built.values.get(paramKey(k))?.secret) secret[k] = v;
      else params[k] = v;
    }
    if (Object.keys(secret).length > 0) this.secretParams.set(id, secret);
    const stored: StoredPlan = {
      plan: built.plan,
      inputs: {
        ...(built.plan.service ? { service: built.plan.service } : {}),
        ...(options.incidentId ? { incidentId: options.incidentId } : {}),
        params,
        secretNames: [...(options.secretNames ?? []), ...Object.keys(secret)],
      },
    };
    await withAudit(this.deps.store, this.deps.logger, async (trx, audit) => {
      await insertExecution(trx, {
      id,
      procedure: built.plan.procedure,
      title: built.plan.title,
      service: built.plan.service ?? null,
      incident_id: options.incidentId ?? null,
      state: 'running',
      trigger: options.trigger ?? 'manual',
      started_by: actor.name,
      started_at: now,
      finished_at: null,
      updated_at: now,
      plan: JSON.stringify(stored),
      });
      await audit({
      at: now,
      actor: actor.name,
      action: 'execution.start',
      subject: `execution:${id}`,
      details: { procedure: built.plan.procedure, service: built.plan.service ?? null, incident: options.incidentId ?? null, trigger: options.trigger ?? 'manual', parameters: built.plan.parameters },
      });
    });
    if (options.incidentId) {
      await this.deps.incidents?.addToTimeline(options.incidentId, { at: now, actor: actor.name, text: `started runbook ${built.plan.procedure} (${built.plan.title}) as execution ${id}`, data: { executionId: id } });
    }
    return { id, plan: built.plan };
  }

  private async row(id: string): Promise<ExecutionRow> {
    const row = await findExecution(this.deps.store.db, id);
    if (!row) throw new OpsbookError('OPSBOOK_E_EXECUTION_NOT_FOUND', `no execution ${id}`);
    return row;
  }

  private static stored(row: ExecutionRow): StoredPlan {
    return JSON.parse(row.plan) as StoredPlan;
  }

  /** The refusal of a change to an execution another request ended after this one read it. */
  private async notRunning(db: Store['db'], id: string): Promise<OpsbookError> {
    const row = await findExecution(db, id);
    return new OpsbookError('OPSBOOK_E_EXECUTION_STATE', `execution ${id} is ${row?.state ?? 'gone'}`);
  }

  private async running(id: string): Promise<{ row: ExecutionRow; stored: StoredPlan }> {
    const row = await this.row(id);
    if (row.state !== 'running') throw new OpsbookError('OPSBOOK_E_EXECUTION_STATE', `execution ${id} is ${row.state}`);
    return { row, stored: ExecutionService.stored(row) };
  }

  /** Values earlier commands produced, usable as parameters by later steps (`output_<step>_<command>`). */
  private static outputs(entries: readonly TranscriptEntry[]): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of entries) {
      if (e.kind !== 'command' || e.status !== 'ok') continue;
      const rows = e.data.rows as Record<string, unknown>[] | undefined;
      let value: string | undefined;
      if (rows && rows.length === 1 && Object.keys(rows[0]!).length === 1) value = String(Object.values(rows[0]!)[0]);
      else if (typeof e.data.reply === 'string' || typeof e.data.reply === 'number') value = String(e.data.reply);
      else if (!rows && !e.truncated && e.stdout.trim() && !e.stdout.trim().includes('\n') && e.stdout.length <= 1024) value = e.stdout.trim();
      if (value !== undefined) out[`output_${e.step}_${e.command}`] = value;
    }
    return out;
  }

  /**
   * What is masked in the execution's records: its plan's secrets (the config's credentials, its
   * secret parameters known to this process, credentials its runbook's commands write); the config's
   * alone when the plan cannot be built again (its runbook or incident is gone).
   */
  private async secretsOf(id: string, row: ExecutionRow, stored: StoredPlan): Promise<readonly string[]> {
    try {
      return (await this.buildAgain(id, row, stored, await this.transcript(id))).secrets;
    } catch {
      return configSecrets(this.deps.config);
    }
  }

  /** The execution's plan built again from what it started with, the secret parameters this process keeps, `extra`, and the outputs recorded so far. */
  private buildAgain(id: string, row: ExecutionRow, stored: StoredPlan, entries: readonly TranscriptEntry[], extra: Record<string, string> = {}, extraSecret: readonly string[] = []): Promise<BuiltPlan> {
    return this.build(row.procedure, {
      ...(stored.inputs.service ? { service: stored.inputs.service } : {}),
      ...(stored.inputs.incidentId ? { incidentId: stored.inputs.incidentId } : {}),
      params: { ...stored.inputs.params, ...this.secretParams.get(id), ...extra },
      secretNames: [...stored.inputs.secretNames, ...extraSecret],
      outputs: ExecutionService.outputs(entries),
    });
  }

  private async rebuild(id: string, extra: Record<string, string>, extraSecret: readonly string[]): Promise<{ row: ExecutionRow; built: BuiltPlan; entries: TranscriptEntry[] }> {
    const { row, stored } = await this.running(id);
    const entries = await this.transcript(id);
    const built = await this.buildAgain(id, row, stored, entries, extra, extraSecret);
    // Secret values given now stay in this process for the execution's later steps; never in the store.
    const secrets = Object.fromEntries(Object.entries(extra).filter(([k]) => built.values.get(paramKey(k))?.secret));
    if (Object.keys(secrets).length > 0) this.secretParams.set(id, { ...this.secretParams.get(id), ...secrets });
    const before = stored.plan.steps.map((s) => s.text).join('\n');
    if (built.plan.steps.length !== stored.plan.steps.length || built.plan.steps.map((s) => s.text).join('\n') !== before) {
      throw new OpsbookError('OPSBOOK_E_EXECUTION_STATE', `the runbook of execution ${id} changed since it started: start a new execution`);
    }
    return { row, built, entries };
  }

  /**
   * Runs step `step` (1-based; `options.command` narrows it to one command) behind the safety
   * gate. Refusals and commands that cannot run here are recorded too; the result says which.
   */
  async runStep(id: string, step: number, actor: Actor, options: RunStepOptions = {}): Promise<StepRunResult> {
    // A step the plan lacks is refused before it is claimed: the claim would store its number.
    const { stored } = await this.running(id);
    if (!stored.plan.steps[step - 1]) throw new OpsbookError('OPSBOOK_E_EXECUTION_STEP', `no step ${step}: the procedure has ${stored.plan.steps.length} steps`);
    const deps = { ...this.deps, inProcess: this.inProcess, ttlMs: this.deps.config.storage.cluster.lease, markInterrupted: () => this.markInterrupted() };
    return this.inProcess.track(runOnce(deps, id, step, actor, (claim) => this.runStepOnce(id, step, actor, options, claim)));
  }

  private async runStepOnce(id: string, step: number, actor: Actor, options: RunStepOptions, claim: StepClaim): Promise<StepRunResult> {
    const { row, built } = await this.rebuild(id, options.params ?? {}, options.secretNames ?? []);
    const controller = new AbortController();
    const set = this.controllers.get(id) ?? new Set();
    set.add(controller);
    this.controllers.set(id, set);
    const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
    const ctx: StepContext = {
      ...this.deps,
      row,
      built,
      onEntry: async (entry) => {
        if (row.incident_id) await this.deps.incidents?.addToTimeline(row.incident_id, { at: entryHappenedAt(entry), actor: entry.actor, text: describeEntry(entry), data: { executionId: id, entryId: entry.id, status: entry.status } });
      },
      isCancelled: async () => (await this.row(id)).state === 'cancelled',
      claim,
      stopping: () => this.inProcess.stopping,
    };
    try {
      return await runStep(ctx, step, actor, { ...options, signal });
    } finally {
      set.delete(controller);
      if (set.size === 0 && this.controllers.get(id) === set) this.controllers.delete(id);
    }
  }

  /**
   * Marks `interrupted` the steps left `running` by an opsbook process that is gone (killed, crashed,
   * its host restarted), leaving those of live processes alone. A process serving executions runs it
   * when it starts, then after each `nextInterruptedLookIn`.
   */
  async markInterrupted(): Promise<TranscriptEntry[]> {
    return markInterruptedSteps(this.deps);
  }

  /**
   * opsbook stops cleanly: no step starts here any more, the running ones get until `deadline`, then
   * their commands are stopped and they are recorded interrupted, saying `why` (see stopRunningSteps).
   */
  stopRunning(o: StopStepsOptions): Promise<number> {
    return stopRunningSteps(this.deps, this.inProcess, o);
  }

  /**
   * opsbook is forced out (a second signal): the commands running here are told to stop now (a
   * shell step's process group gets SIGTERM at once), with nothing waited for or recorded.
   */
  abortRunning(why: string): void {
    this.inProcess.stopping ??= why;
    this.inProcess.abortAll(new OpsbookStopped(why));
  }

  /** How long (ms, real time) until the next look for steps left running by a process that is gone: see nextInterruptedLookIn. */
  async nextInterruptedLookIn(): Promise<number> {
    return nextInterruptedLookIn(this.deps.store, this.inProcess.runner, this.deps.config.storage.cluster.lease);
  }

  /** Marks a step done by hand (a checklist item, a manual step, a command run elsewhere). */
  async tick(id: string, step: number, actor: Actor, note = ''): Promise<TranscriptEntry> {
    if (!roleAllows(actor.role, 'responder')) throw new OpsbookError('OPSBOOK_E_FORBIDDEN', `${actor.name} (${actor.role}) cannot tick steps: responder role needed`);
    const { row, stored } = await this.running(id);
    const planned = stored.plan.steps[step - 1];
    if (!planned) throw new OpsbookError('OPSBOOK_E_EXECUTION_STEP', `no step ${step}: the procedure has ${stored.plan.steps.length} steps`);
    // A note is recorded where a step's output is (transcript, timeline, audit): masked the same way.
    note = maskWritten(note, await this.secretsOf(id, row, stored));
    const entry = await recordEntry(
      { ...this.deps, row, onEntry: async () => {} },
      {
        step,
        command: 0,
        kind: 'tick',
        actor: actor.name,
        at: this.deps.clock.now(),
        text: note ? `${planned.text} — ${note}` : planned.text,
        status: 'ticked',
      },
      (ticked) => ({ at: ticked.at, actor: actor.name, action: 'execution.tick', subject: `execution:${id}`, details: { step, text: planned.text, required: planned.required, note } }),
    );
    if (row.incident_id) await this.deps.incidents?.addToTimeline(row.incident_id, { at: entry.at, actor: actor.name, text: describeEntry(entry), data: { executionId: id, entryId: entry.id } });
    return entry;
  }

  /** Stops whatever runs in this process for the execution (its process groups are killed) and marks it cancelled. */
  async cancel(id: string, actor: Actor): Promise<ExecutionSummary> {
    if (!roleAllows(actor.role, 'responder')) throw new OpsbookError('OPSBOOK_E_FORBIDDEN', `${actor.name} (${actor.role}) cannot cancel executions: responder role needed`);
    const row = await this.row(id);
    if (row.state !== 'running') throw new OpsbookError('OPSBOOK_E_EXECUTION_STATE', `execution ${id} is ${row.state}`);
    const now = this.deps.clock.now();
    await withAudit(this.deps.store, this.deps.logger, async (trx, audit) => {
      if (!(await endRunningExecution(trx, id, { state: 'cancelled', finished_at: now, updated_at: now }))) throw await this.notRunning(trx, id);
      await releaseExecutionLocks(trx, id);
      await audit({ at: now, actor: actor.name, action: 'execution.cancel', subject: `execution:${id}`, details: {} });
    });
    this.inProcess.end(id);
    if (row.incident_id) await this.deps.incidents?.addToTimeline(row.incident_id, { at: now, actor: actor.name, text: `cancelled execution ${id} of ${row.procedure}`, data: { executionId: id } });
    return toSummary({ ...row, state: 'cancelled', finished_at: now });
  }

  /** Ends the execution: passed, failed or incomplete (with the reasons), records recovery figures, frees its lock. */
  async finish(id: string, actor: Actor): Promise<ExecutionSummary & { outcome: ExecutionOutcome }> {
    const { row, stored } = await this.running(id);
    const entries = await this.transcript(id);
    const outcome = computeOutcome(stored.plan, entries);
    const now = this.deps.clock.now();
    const runbook = this.deps.runbooks.find((r) => stored.plan.file === r.file);
    const procedure = runbook?.procedures.find((p) => p.id === stored.plan.procedureId);
    const recovery = runbook && procedure ? settingsFor(this.deps.config, runbook, procedure)?.settings.recovery_test : undefined;
    const achieved = recovery ? recoveryTime(stored.plan, entries, Number(row.started_at), now, outcome.state === 'passed') : undefined;
    await withAudit(this.deps.store, this.deps.logger, async (trx, audit) => {
      if (!(await endRunningExecution(trx, id, { state: outcome.state, finished_at: now, updated_at: now }))) throw await this.notRunning(trx, id);
      await releaseExecutionLocks(trx, id);
      if (recovery) {
        await upsertRecoveryTest(trx, {
          execution_id: id,
          procedure: stored.plan.procedure,
          started_at: Number(row.started_at),
          verified_at: achieved === undefined ? null : Number(row.started_at) + achieved,
          achieved_rto_ms: achieved ?? null,
          target_rto_ms: recovery.rto,
          target_rpo_ms: recovery.rpo,
          met: achieved !== undefined && achieved <= recovery.rto ? 1 : 0,
        });
      }
      await audit({
        at: now,
        actor: actor.name,
        action: 'execution.finish',
        subject: `execution:${id}`,
        details: { state: outcome.state, reasons: outcome.reasons, ...(achieved !== undefined ? { achievedRtoMs: achieved } : {}) },
      });
    });
    this.secretParams.delete(id);
    if (row.incident_id) {
      await this.deps.incidents?.addToTimeline(row.incident_id, { at: now, actor: actor.name, text: `execution ${id} of ${row.procedure} ${outcome.state}${outcome.reasons.length ? `: ${outcome.reasons.join('; ')}` : ''}`, data: { executionId: id, state: outcome.state } });
    }
    return { ...toSummary({ ...row, state: outcome.state, finished_at: now }), outcome };
  }

  /** Closes the incident's running executions (it resolved) and stops what they run in this process. */
  async closeForIncident(incidentId: string): Promise<ExecutionSummary[]> {
    const closed = await closeExecutionsOfIncident(this.deps, incidentId);
    for (const e of closed) this.inProcess.end(e.id);
    return closed;
  }

  async get(id: string): Promise<ExecutionSummary & { plan: Plan }> {
    const row = await this.row(id);
    return { ...toSummary(row), plan: ExecutionService.stored(row).plan };
  }

  async transcript(id: string): Promise<TranscriptEntry[]> {
    return (await listExecutionEntries(this.deps.store.db, id)).map(toEntry);
  }

  /** One entry of the execution's transcript, read alone; undefined when the execution has no such entry. */
  async entry(executionId: string, entryId: string): Promise<TranscriptEntry | undefined> {
    const row = await findExecutionEntry(this.deps.store.db, executionId, entryId);
    return row ? toEntry(row) : undefined;
  }

  /**
   * Who ended the execution and when, as its audit log says (a person's Finish or Cancel, or
   * `system:incident` when its incident resolved); undefined while it runs.
   */
  async endedBy(id: string): Promise<ExecutionEnding | undefined> {
    const entry = await lastAuditOf(this.deps.store.db, `execution:${id}`, ['execution.finish', 'execution.cancel']);
    if (!entry) return undefined;
    return { by: entry.actor, at: Number(entry.at), how: entry.action === 'execution.cancel' ? 'cancelled' : 'finished' };
  }

  /** The whole output of an entry whose transcript row was capped. */
  async fullOutput(entry: TranscriptEntry, stream: 'stdout' | 'stderr'): Promise<string> {
    return (await findExecutionOutput(this.deps.store.db, entry.id, stream)) ?? entry[stream];
  }

  /** Newest first: one page with `limit`, every one that matches without it. */
  async listExecutions(filter: ExecutionListFilter = {}): Promise<ExecutionSummary[]> {
    return listExecutions(this.deps.store, filter);
  }

  /**
   * Refuses the filter of a list that came back empty when it names nothing there is: a procedure no
   * runbook has (a typo'd `FILE#ID`; one renamed since still lists its stored runs), an incident that
   * does not exist. Else the empty list would read as "never run". `paths`: where the caller took each
   * filter from (`query.procedure`, `--procedure`), for the refusal's location.
   */
  async refuseEmptyFilter(filter: ExecutionListFilter, paths: { procedure: string; incident: string }): Promise<void> {
    if (filter.procedure !== undefined && !findProcedure(this.deps.runbooks, filter.procedure)) {
      throw new OpsbookError('OPSBOOK_E_PROCEDURE_NOT_FOUND', `no procedure ${filter.procedure} in the runbooks, and no execution of it (${knownProcedures(this.deps.runbooks, filter.procedure)})`, { location: { path: paths.procedure } });
    }
    if (filter.incidentId !== undefined) await requireIncident(this.deps.store.db, filter.incidentId, paths.incident);
  }

  /** How many executions match `filter` (its limit ignored). */
  async countExecutions(filter: ExecutionListFilter = {}): Promise<number> {
    return countExecutions(this.deps.store, filter);
  }
}

/** How many executions match `filter` (its limit ignored): what a bounded list left out. */
export async function countExecutions(store: Store, filter: ExecutionListFilter = {}): Promise<number> {
  return countExecutionRows(store.db, filter);
}

/** Executions newest first: one page with `limit`, all that match without it (e.g. `{ incidentId }` for an incident's review). */
export async function listExecutions(store: Store, filter: ExecutionListFilter = {}): Promise<ExecutionSummary[]> {
  return (await listExecutionRows(store.db, filter)).map(toSummary);
}

/** An execution's transcript, in order. */
export async function listTranscript(store: Store, executionId: string): Promise<TranscriptEntry[]> {
  return (await listExecutionEntries(store.db, executionId)).map(toEntry);
}
