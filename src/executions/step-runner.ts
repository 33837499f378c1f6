import type { Actor } from '../identity/index.js';
import type { Clock } from '../lib/clock.js';
import { OpsbookError } from '../lib/errors/index.js';
import { newId } from '../lib/ids.js';
import type { Transaction } from 'kysely';
import { acquireExecutionLock, appendExecutionEntryIn, completeExecutionEntryIn, holdsRunningStep, type AuditInput, type Database, type ExecutionRow, type StepClaim, type Store } from '../store/index.js';
import { audit, withAudit, type ExecutionLogger } from './audit.js';
import type { ExecutorOutcome } from './executors/index.js';
import { maskSecrets } from './params.js';
import type { BuiltPlan } from './plan.js';
import { RunningOutput } from './running-output.js';
import { OpsbookStopped, stoppedBy } from './stop-steps.js';
import { authorise, type Confirmation } from './safety.js';
import { capText, toEntry } from './transcript.js';
import type { Approval, EntryStatus, PlannedCommand, StepRunResult, TranscriptEntry } from './types.js';

/** How long a destructive lease outlives the step that took it, so a crashed process frees the service. */
export const LOCK_GRACE_MS = 5 * 60_000;

export interface RunStepOptions extends Confirmation {
  /** Run only this command of the step (1-based). */
  command?: number;
  /** Parameters given now (`--param`), added to the execution's. */
  params?: Record<string, string>;
  secretNames?: string[];
  signal?: AbortSignal;
}

export interface EntryContext {
  store: Store;
  clock: Clock;
  logger?: ExecutionLogger;
  row: ExecutionRow;
  onEntry: (entry: TranscriptEntry) => Promise<void>;
}

export interface StepContext extends EntryContext {
  built: BuiltPlan;
  isCancelled: () => Promise<boolean>;
  /**
   * This run's take of the step (runOnce): the process running it, as its `running` entries name it
   * (see markInterruptedSteps), marked alive for the whole step, and the take's fencing epoch. Every
   * entry the run writes is fenced by it: once the step was taken from this process (it was judged
   * gone, paused past its heartbeat), nothing more of the run is written as the step's.
   */
  claim: StepClaim;
  /** Why no command starts any more (opsbook is stopping: `opsbook stopped (SIGTERM)`), else undefined. */
  stopping?: () => string | undefined;
}

export interface EntryInput {
  step: number;
  command: number;
  kind: TranscriptEntry['kind'];
  actor: string;
  at: number;
  text: string;
  status: EntryStatus;
  durationMs?: number;
  target?: string;
  effect?: string;
  exitCode?: number | null;
  approval?: Approval | null;
  stdout?: string;
  stderr?: string;
  data?: Record<string, unknown>;
}

/**
 * Writes one transcript entry, capping each stream and keeping the full text aside when cut; with
 * `audited`, the entry's audit entry is written in the same transaction. A step's run (a context
 * with its `claim`) writes it only while it still holds the step (see fence).
 */
export function recordEntry(ctx: EntryContext | StepContext, e: EntryInput, audited?: (entry: TranscriptEntry) => AuditInput): Promise<TranscriptEntry> {
  return writeEntry(ctx, async (trx) => {
    if ('claim' in ctx) await fence(trx, ctx);
    return insertEntry(trx, ctx, e);
  }, audited);
}

/** Writes an entry with `write` and, with `audited`, its audit entry in the same transaction; then tells `onEntry`. */
async function writeEntry(ctx: EntryContext, write: (trx: Transaction<Database>) => Promise<TranscriptEntry>, audited?: (entry: TranscriptEntry) => AuditInput): Promise<TranscriptEntry> {
  const entry = await withAudit(ctx.store, ctx.logger, async (trx, append) => {
    const written = await write(trx);
    if (audited) await append(audited(written));
    return written;
  });
  await ctx.onEntry(entry);
  return entry;
}

/** Refused writes of a run that lost its step: OPSBOOK_E_FENCED, naming the step. */
export function lostStep(claim: StepClaim, what: string): OpsbookError {
  return new OpsbookError(
    'OPSBOOK_E_FENCED',
    `step ${claim.step} of execution ${claim.execution_id} was taken from this opsbook process (${claim.runner}) while it ran: it was judged gone (paused or cut off past its heartbeat) and its run was marked interrupted; ${what}`,
    { details: { execution: claim.execution_id, step: claim.step, runner: claim.runner, epoch: claim.epoch } },
  );
}

/** Fencing, inside the write's transaction: refuses it unless this run still holds its step (its claim's runner and epoch). */
async function fence(trx: Transaction<Database>, ctx: StepContext): Promise<void> {
  if (!(await holdsRunningStep(trx, ctx.claim))) throw lostStep(ctx.claim, 'nothing more of this run is recorded as the step\'s');
}

function entryColumns(e: EntryInput) {
  const out = capText(e.stdout ?? '');
  const err = capText(e.stderr ?? '');
  return {
    row: {
      step: e.step,
      command: e.command,
      kind: e.kind,
      actor: e.actor,
      at: e.at,
      duration_ms: e.durationMs ?? null,
      target: e.target ?? null,
      effect: e.effect ?? null,
      text: e.text,
      status: e.status,
      exit_code: e.exitCode ?? null,
      approval: e.approval ? JSON.stringify(e.approval) : null,
      stdout: out.kept,
      stderr: err.kept,
      stdout_bytes: out.bytes,
      stderr_bytes: err.bytes,
      truncated: out.cut || err.cut ? 1 : 0,
      data: JSON.stringify(e.data ?? {}),
    },
    full: { ...(out.cut ? { stdout: e.stdout } : {}), ...(err.cut ? { stderr: e.stderr } : {}) },
  };
}

async function insertEntry(trx: Transaction<Database>, ctx: EntryContext, e: EntryInput): Promise<TranscriptEntry> {
  const { row, full } = entryColumns(e);
  return toEntry(await appendExecutionEntryIn(trx, ctx.store.dialect, { id: newId('xen', e.at), execution_id: ctx.row.id, ...row }, full));
}

/**
 * Completes entry `id` (written `running` before its command started) with the command's result, and
 * its audit entry in the same transaction, while this run still holds its step and the entry is
 * still `running`. Otherwise (the step was taken from this process while the command ran) the entry
 * is left as it is (`interrupted`), and undefined is answered: see keepLateResult.
 */
async function completeEntry(ctx: StepContext, id: string, e: EntryInput, audited: (entry: TranscriptEntry) => AuditInput): Promise<TranscriptEntry | undefined> {
  const { row, full } = entryColumns(e);
  const entry = await withAudit(ctx.store, ctx.logger, async (trx, append) => {
    if (!(await holdsRunningStep(trx, ctx.claim))) return undefined;
    const done = await completeExecutionEntryIn(trx, id, row, full);
    if (!done) return undefined;
    const written = toEntry(done);
    await append(audited(written));
    return written;
  });
  if (entry) await ctx.onEntry(entry);
  return entry;
}

/**
 * The result of a command whose run lost its step while it ran (its process was paused or cut off
 * past its heartbeat, judged gone, and its entry marked interrupted; the step may have run again
 * since): not lost, and not the step's result either. It is kept as a note of its own (kind `note`,
 * status `noted`, which no step's progress reads) naming the interrupted entry, with its output and
 * an `execution.command.late` audit line, and logged with a warning. Unfenced: it changes nothing
 * of the step.
 */
async function keepLateResult(ctx: StepContext, startId: string, e: EntryInput): Promise<TranscriptEntry> {
  const how = [e.exitCode === null || e.exitCode === undefined ? '' : `exit ${e.exitCode}`, e.durationMs === undefined ? '' : `${e.durationMs} ms`].filter(Boolean).join(', ');
  const text = `late result of command ${e.command}, ${e.status}${how ? ` (${how})` : ''}, from a run whose opsbook process had lost the step (its entry was marked interrupted); not the step's result: ${e.text}`;
  const entry = await recordEntry(
    { store: ctx.store, clock: ctx.clock, ...(ctx.logger ? { logger: ctx.logger } : {}), row: ctx.row, onEntry: ctx.onEntry },
    { ...e, kind: 'note', status: 'noted', text, data: { ...e.data, lateResultOf: startId, runner: ctx.claim.runner, epoch: ctx.claim.epoch, status: e.status, exitCode: e.exitCode ?? null } },
    (written) => ({
      at: written.at,
      actor: e.actor,
      action: 'execution.command.late',
      subject: `execution:${ctx.row.id}`,
      details: { step: e.step, command: e.command, text: e.text, status: e.status, exitCode: e.exitCode ?? null, entry: startId, runner: ctx.claim.runner, epoch: ctx.claim.epoch },
    }),
  );
  ctx.logger?.warn?.({ execution: ctx.row.id, step: e.step, command: e.command, entry: startId, runner: ctx.claim.runner, status: e.status }, 'a late result of a step this process had lost was kept as a note, not as the step\'s result');
  return entry;
}

/** What a timed-out command's stderr ends with: the limit it hit and where it is set. */
export function timedOut(timeoutMs: number): string {
  const seconds = Number((timeoutMs / 1000).toFixed(3));
  return `opsbook: timed out after ${seconds} s (the time limit of each command, procedures[…].timeout): stopped, output up to then kept`;
}

/** What an interrupted command's stderr ends with when opsbook's clean stop stopped it. */
function stoppedText(stop: OpsbookStopped): string {
  return `opsbook: ${stop.reason}: the command still ran when the shutdown grace (server.shutdown_timeout) ended and was stopped; output up to then kept; check the target before running it again`;
}

function maskData(data: Record<string, unknown> | undefined, secrets: readonly string[]): Record<string, unknown> {
  if (!data || secrets.length === 0) return data ?? {};
  return JSON.parse(maskSecrets(JSON.stringify(data), secrets.map((s) => JSON.stringify(s).slice(1, -1)))) as Record<string, unknown>;
}

/** Runs one step (or one command of it): gate, lock, each command in order, stopping at the first that does not succeed. */
export async function runStep(ctx: StepContext, stepNumber: number, actor: Actor, options: RunStepOptions & { signal: AbortSignal }): Promise<StepRunResult> {
  // Secret parameters and the config's credentials (shell.env, http.hosts headers, URL passwords).
  const { plan, prepared, secrets } = ctx.built;
  const executionId = ctx.row.id;
  const step = plan.steps[stepNumber - 1];
  const result = (status: StepRunResult['status'], entries: TranscriptEntry[], reason?: string): StepRunResult => ({ executionId, step: stepNumber, status, entries, ...(reason ? { reason } : {}) });
  if (!step) throw new OpsbookError('OPSBOOK_E_EXECUTION_STEP', `no step ${stepNumber}: the procedure has ${plan.steps.length} steps`);
  if (step.manual) throw new OpsbookError('OPSBOOK_E_EXECUTION_STEP', `step ${stepNumber} is manual (${step.text}): tick it when done`);
  let commands: PlannedCommand[] = step.commands.filter((c) => !c.skip);
  if (options.command !== undefined) {
    const one = step.commands[options.command - 1];
    if (!one) throw new OpsbookError('OPSBOOK_E_EXECUTION_STEP', `step ${stepNumber} has no command ${options.command} (it has ${step.commands.length})`);
    commands = [one];
  }
  const base = (c: PlannedCommand, at: number): Pick<EntryInput, 'step' | 'command' | 'kind' | 'actor' | 'at' | 'text' | 'target' | 'effect'> => ({
    step: stepNumber, command: c.number, kind: 'command', actor: actor.name, at, text: c.display, target: c.executor ?? c.target, effect: c.effect,
  });
  const entries: TranscriptEntry[] = [];
  const runnable = commands.filter((c) => c.runnable);
  if (runnable.length === 0) {
    for (const c of commands) entries.push(await recordEntry(ctx, { ...base(c, ctx.clock.now()), status: 'not_runnable', data: { why: c.why ?? (c.skip ? 'not a command of its own' : '') } }));
    return result('not_runnable', entries, commands.map((c) => c.why).filter(Boolean).join('; '));
  }

  // The gate decides for the step as a whole: its most dangerous runnable command.
  const order = ['read', 'write', 'unknown', 'destructive'] as const;
  const effect = runnable.map((c) => c.effect).reduce((a, b) => (order.indexOf(b) > order.indexOf(a) ? b : a), 'read' as PlannedCommand['effect']);
  const targets = [...new Set(runnable.filter((c) => c.effect === 'destructive').map((c) => c.confirmation ?? ''))];
  const expected = (effect === 'destructive' ? targets.join(' ') : runnable[0]!.confirmation) ?? '';
  const decision = authorise(effect, actor, options, { preApproved: step.preApproved, expected });
  const refuse = async (reason: string, action: string): Promise<StepRunResult> => {
    const at = ctx.clock.now();
    const refused = await withAudit(ctx.store, ctx.logger, async (trx, append) => {
      await fence(trx, ctx);
      const written: TranscriptEntry[] = [];
      for (const c of runnable) written.push(await insertEntry(trx, ctx, { ...base(c, at), status: 'refused', data: { why: reason } }));
      await append({ at, actor: actor.name, action, subject: `execution:${executionId}`, details: { step: stepNumber, effect, reason } });
      return written;
    });
    for (const entry of refused) {
      await ctx.onEntry(entry);
      entries.push(entry);
    }
    return result('refused', entries, reason);
  };
  if (!decision.allowed) return refuse(decision.reason, 'execution.refuse');

  if (effect === 'destructive' && plan.service) {
    const now = ctx.clock.now();
    const held = await acquireExecutionLock(ctx.store.db, {
      service: plan.service,
      execution_id: executionId,
      holder: actor.name,
      acquired_at: now,
      expires_at: now + plan.timeoutMs * runnable.length + LOCK_GRACE_MS,
    });
    if (held.execution_id !== executionId) {
      return refuse(`service ${plan.service} is locked by execution ${held.execution_id} (${held.holder}) until ${new Date(held.expires_at).toISOString()}: one destructive execution per service at a time`, 'execution.locked');
    }
  }
  if (decision.approval.how !== 'read') {
    await audit(ctx.store, ctx.logger, { at: ctx.clock.now(), actor: actor.name, action: 'execution.confirm', subject: `execution:${executionId}`, details: { step: stepNumber, effect, approval: decision.approval, ...(effect === 'destructive' ? { target: expected } : {}) } });
  }

  let status: StepRunResult['status'] = 'ok';
  let stopped: OpsbookStopped | undefined;
  for (const c of commands) {
    if (!c.runnable) {
      entries.push(await recordEntry(ctx, { ...base(c, ctx.clock.now()), status: 'not_runnable', data: { why: c.why ?? '' } }));
      if (!c.skip) status = 'partial';
      continue;
    }
    // opsbook began a clean stop: what runs may finish, nothing more starts.
    const stopping = ctx.stopping?.();
    if (stopping !== undefined) {
      stopped = new OpsbookStopped(stopping);
      status = 'interrupted';
      break;
    }
    if (options.signal.aborted || (await ctx.isCancelled())) {
      status = 'cancelled';
      break;
    }
    const started = ctx.clock.now();
    // The start is committed before the command is spawned: a process that dies while it runs
    // leaves this entry `running`, and the next to start marks it interrupted (markInterruptedSteps).
    let outcome: ExecutorOutcome;
    const start = await recordEntry(ctx, { ...base(c, started), status: 'running', approval: decision.approval, data: { runner: ctx.claim.runner } }, (e) => ({
      at: e.at,
      actor: actor.name,
      action: 'execution.command.start',
      subject: `execution:${executionId}`,
      details: { step: stepNumber, command: c.number, text: c.display, effect: c.effect, approval: decision.approval.how },
    }));
    const progress = new RunningOutput(ctx.store, start.id, secrets, (e) => ctx.logger?.warn?.({ err: e, execution: executionId, step: stepNumber }, 'could not save the output of a running step'));
    try {
      outcome = await prepared.get(`${stepNumber}.${c.number}`)!.run({ timeoutMs: plan.timeoutMs, signal: options.signal, onOutput: (stream, chunk) => progress.add(stream, chunk) });
    } catch (e) {
      outcome = { status: 'failed', exitCode: null, stdout: '', stderr: `opsbook: ${(e as Error).message}\n` };
    } finally {
      await progress.stop();
    }
    if (outcome.status === 'timeout') outcome = { ...outcome, stderr: `${outcome.stderr}${outcome.stderr && !outcome.stderr.endsWith('\n') ? '\n' : ''}${timedOut(plan.timeoutMs)}\n` };
    // Stopped by opsbook's clean stop (not by a person's cancel): recorded interrupted, saying why.
    const stop = outcome.status === 'cancelled' ? stoppedBy(options.signal) : undefined;
    if (stop) outcome = { ...outcome, stderr: `${outcome.stderr}${outcome.stderr && !outcome.stderr.endsWith('\n') ? '\n' : ''}${stoppedText(stop)}\n` };
    const entryStatus: EntryStatus = stop ? 'interrupted' : outcome.status;
    const ended: EntryInput = {
      ...base(c, started),
      durationMs: ctx.clock.now() - started,
      status: entryStatus,
      exitCode: outcome.exitCode,
      approval: decision.approval,
      stdout: maskSecrets(outcome.stdout, secrets),
      stderr: maskSecrets(outcome.stderr, secrets),
      data: { ...maskData(outcome.data, secrets), ...(stop ? { reason: stop.reason } : {}) },
    };
    const entry = await completeEntry(
      ctx,
      start.id,
      ended,
      () => ({
        at: ctx.clock.now(),
        actor: actor.name,
        action: stop ? 'execution.command.interrupted' : 'execution.command',
        subject: `execution:${executionId}`,
        details: { step: stepNumber, command: c.number, text: c.display, effect: c.effect, status: entryStatus, exitCode: outcome.exitCode, approval: decision.approval.how, ...(stop ? { reason: stop.reason } : {}) },
      }),
    );
    if (!entry) {
      // The step was taken from this process while the command ran: nothing more of this run runs.
      const note = await keepLateResult(ctx, start.id, ended);
      throw lostStep(ctx.claim, `the result of command ${c.number} was kept as a note (${note.id}), not as the step's result, and the rest of the step was not run`);
    }
    entries.push(entry);
    if (stop) {
      stopped = stop;
      status = 'interrupted';
      break;
    }
    if (outcome.status !== 'ok') {
      status = outcome.status;
      break;
    }
  }
  return result(status, entries, stopped?.reason);
}
