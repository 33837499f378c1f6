import type { Actor } from '../identity/index.js';
import type { Clock } from '../lib/clock.js';
import { OpsbookError } from '../lib/errors/index.js';
import { newId } from '../lib/ids.js';
import type { Transaction } from 'kysely';
import { acquireExecutionLock, appendExecutionEntryIn, completeExecutionEntryIn, type AuditInput, type Database, type ExecutionRow, type Store } from '../store/index.js';
import { audit, withAudit, type ExecutionLogger } from './audit.js';
import type { ExecutorOutcome } from './executors/index.js';
import { maskSecrets } from './params.js';
import type { BuiltPlan } from './plan.js';
import { RunningOutput } from './running-output.js';
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

/**
 * The process running steps, as its `running` entries name it (see markInterruptedSteps). The
 * caller marks it alive for the whole step, before the step's first entry is written (runOnce).
 */
export interface StepRunner {
  id: string;
}

export interface StepContext extends EntryContext {
  built: BuiltPlan;
  isCancelled: () => Promise<boolean>;
  runner: StepRunner;
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
 * `audited`, the entry's audit entry is written in the same transaction.
 */
export function recordEntry(ctx: EntryContext, e: EntryInput, audited?: (entry: TranscriptEntry) => AuditInput): Promise<TranscriptEntry> {
  return writeEntry(ctx, (trx) => insertEntry(trx, ctx, e), audited);
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

/** Completes entry `id` (written `running` before its command started) with the command's result, and its audit entry in the same transaction. */
function completeEntry(ctx: EntryContext, id: string, e: EntryInput, audited: (entry: TranscriptEntry) => AuditInput): Promise<TranscriptEntry> {
  const { row, full } = entryColumns(e);
  return writeEntry(ctx, async (trx) => toEntry(await completeExecutionEntryIn(trx, id, row, full)), audited);
}

/** What a timed-out command's stderr ends with: the limit it hit and where it is set. */
export function timedOut(timeoutMs: number): string {
  const seconds = Number((timeoutMs / 1000).toFixed(3));
  return `opsbook: timed out after ${seconds} s (the time limit of each command, procedures[…].timeout): stopped, output up to then kept`;
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
  for (const c of commands) {
    if (!c.runnable) {
      entries.push(await recordEntry(ctx, { ...base(c, ctx.clock.now()), status: 'not_runnable', data: { why: c.why ?? '' } }));
      if (!c.skip) status = 'partial';
      continue;
    }
    if (options.signal.aborted || (await ctx.isCancelled())) {
      status = 'cancelled';
      break;
    }
    const started = ctx.clock.now();
    // The start is committed before the command is spawned: a process that dies while it runs
    // leaves this entry `running`, and the next to start marks it interrupted (markInterruptedSteps).
    let outcome: ExecutorOutcome;
    const start = await recordEntry(ctx, { ...base(c, started), status: 'running', approval: decision.approval, data: { runner: ctx.runner.id } }, (e) => ({
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
    const entry = await completeEntry(
      ctx,
      start.id,
      {
        ...base(c, started),
        durationMs: ctx.clock.now() - started,
        status: outcome.status,
        exitCode: outcome.exitCode,
        approval: decision.approval,
        stdout: maskSecrets(outcome.stdout, secrets),
        stderr: maskSecrets(outcome.stderr, secrets),
        data: maskData(outcome.data, secrets),
      },
      () => ({
        at: ctx.clock.now(),
        actor: actor.name,
        action: 'execution.command',
        subject: `execution:${executionId}`,
        details: { step: stepNumber, command: c.number, text: c.display, effect: c.effect, status: outcome.status, exitCode: outcome.exitCode, approval: decision.approval.how },
      }),
    );
    entries.push(entry);
    if (outcome.status !== 'ok') {
      status = outcome.status;
      break;
    }
  }
  return result(status, entries);
}
