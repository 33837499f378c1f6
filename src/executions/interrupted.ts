import type { Clock } from '../lib/clock.js';
import type { Transaction } from 'kysely';
import { endRunningEntryIn, holdsRunningStep, listRunningEntries, listStepRunners, releaseStepOf, releaseStepsOf, runnerGoneOnPostgres, untilStepHolderLapses, type Database, type ExecutionEntryRow, type StepClaim, type Store } from '../store/index.js';
import { withAudit, type ExecutionLogger } from './audit.js';
import type { IncidentLink } from './incident-link.js';
import { describeEntry, toEntry } from './transcript.js';
import type { TranscriptEntry } from './types.js';

/** What an interrupted entry's stderr ends with. */
export const INTERRUPTED_TEXT = 'opsbook stopped while this step ran; its output after the last save is lost; check the target before running it again';

/**
 * Whether the process that wrote a `running` entry (its `data.runner`) is known to be gone, so its
 * command will never be completed. A SQLite file: the runner's owner lock is free (the runner holds
 * it while a step runs; the kernel drops it however the process ends). PostgreSQL, by the
 * database's clock: a cluster member (`member_…`) whose heartbeat lapsed or who left; any other
 * runner (`run_…`: a process outside a cluster) without a live heartbeat in `execution_runners`,
 * which it renews while it runs steps.
 */
export async function runnerGone(store: Store, runner: string): Promise<boolean> {
  if (store.leaseOwners) return store.leaseOwners.gone(runner);
  if (store.dialect !== 'postgres') return false;
  return runnerGoneOnPostgres(store.db, runner);
}

// Past a heartbeat's end before looking: a timer that fired a moment early would find it still live (and look again).
const PAST_LAPSE_MS = 20;
/** A heartbeat that ran out this recently may have been judged live by the look just made. */
const JUST_LAPSED_MS = 250;

/**
 * How long from a look (markInterruptedSteps) until the next: a third of `leaseMs`
 * (storage.cluster.lease), the rhythm the heartbeats are renewed at, so a process that stopped
 * cleanly (its heartbeat row went at once) or took a step since the look is seen within it; and on
 * PostgreSQL sooner, just past the moment the first heartbeat of another process holding a step
 * runs out, so a process that died is seen at its heartbeat's lapse rather than up to a look later.
 * What is judged at the look does not change: a process that renews its heartbeat is found live
 * then, and the next look follows its new end. `runner` is this process's own (not watched here).
 */
export async function nextInterruptedLookIn(store: Store, runner: string, leaseMs: number): Promise<number> {
  const every = Math.max(200, Math.floor(leaseMs / 3));
  if (store.dialect !== 'postgres') return every;
  // A heartbeat that ran out since the look that found it live (a few ms ago) counts as due now:
  // left out, the next look came a whole third of a lease after its lapse.
  const left = await untilStepHolderLapses(store.db, runner, JUST_LAPSED_MS);
  return left === undefined ? every : Math.min(every, left + PAST_LAPSE_MS);
}

export interface InterruptedDeps {
  store: Store;
  clock: Clock;
  logger?: ExecutionLogger;
  incidents?: IncidentLink;
}

/**
 * Marks `interrupted` every entry left `running` by a process that is gone (opsbook was killed,
 * crashed, or its host restarted while the command ran), with the audit line and the incident's
 * timeline line, and gives back the steps it held (they can be run again); entries of a live
 * process are left alone. An entry's step is given back in the transaction that marks it, so the
 * gone process's claim ends with its entry: if it was only paused and wakes, fencing refuses what
 * it writes next (see runOnce), and whoever takes the step next finds the entry already marked.
 * Run when a process starts serving executions, then again while it serves them after each
 * nextInterruptedLookIn. Returns the entries marked.
 */
export async function markInterruptedSteps(deps: InterruptedDeps): Promise<TranscriptEntry[]> {
  const marked: TranscriptEntry[] = [];
  const verdicts = new Map<string, boolean>();
  for (const row of await listRunningEntries(deps.store.db)) {
    const runner = runnerOf(row);
    if (runner === undefined) continue;
    if (!verdicts.has(runner)) verdicts.set(runner, await runnerGone(deps.store, runner));
    if (!verdicts.get(runner)) continue;
    const entry = await markEntry(deps, row, runner, { text: INTERRUPTED_TEXT });
    if (entry) marked.push(entry);
  }
  for (const runner of await listStepRunners(deps.store.db)) {
    if (!verdicts.has(runner)) verdicts.set(runner, await runnerGone(deps.store, runner));
    if (verdicts.get(runner)) await releaseStepsOf(deps.store.db, runner);
  }
  return marked;
}

function runnerOf(row: ExecutionEntryRow): string | undefined {
  const runner = (JSON.parse(row.data) as { runner?: unknown }).runner;
  return typeof runner === 'string' ? runner : undefined;
}

/**
 * Marks one `running` entry of `runner` interrupted, its stderr ending with `opsbook: TEXT`, gives its
 * step back and writes the audit line in the same transaction (first checking `fence`, when given),
 * then the incident's timeline line. Undefined when the entry was completed meanwhile or the fence refused.
 */
async function markEntry(
  deps: InterruptedDeps,
  row: ExecutionEntryRow,
  runner: string,
  o: { text: string; data?: Record<string, unknown>; fence?: (trx: Transaction<Database>) => Promise<boolean> },
): Promise<TranscriptEntry | undefined> {
  const now = deps.clock.now();
  const stderr = `${row.stderr}${row.stderr && !row.stderr.endsWith('\n') ? '\n' : ''}opsbook: ${o.text}\n`;
  const data = JSON.stringify({ ...(JSON.parse(row.data) as object), interruptedFoundAt: now, ...o.data });
  const entry = await withAudit(deps.store, deps.logger, async (trx, audit) => {
    if (o.fence && !(await o.fence(trx))) return undefined;
    if (!(await endRunningEntryIn(trx, row.id, { status: 'interrupted', stderr, data }))) return undefined;
    await releaseStepOf(trx, row.execution_id, Number(row.step), runner);
    await audit({
      at: now,
      actor: 'opsbook',
      action: 'execution.command.interrupted',
      subject: `execution:${row.execution_id}`,
      details: { step: Number(row.step), command: Number(row.command), text: row.text, effect: row.effect, startedAt: Number(row.at), startedBy: row.actor, runner, ...o.data },
    });
    return toEntry({ ...row, status: 'interrupted', stderr, data });
  });
  if (!entry) return undefined;
  deps.logger?.warn?.({ execution: entry.executionId, step: entry.step, command: entry.command, runner }, `execution step interrupted: ${o.text}`);
  const execution = await deps.store.db.selectFrom('executions').select('incident_id').where('id', '=', entry.executionId).executeTakeFirst();
  if (execution?.incident_id) {
    await deps.incidents?.addToTimeline(execution.incident_id, { at: now, actor: 'opsbook', text: `${describeEntry(entry)} — ${o.text}`, data: { executionId: entry.executionId, entryId: entry.id, status: entry.status } });
  }
  return entry;
}

/**
 * opsbook is stopping cleanly and these steps of its own still run (their commands did not end when
 * stopped): their `running` entries are marked interrupted by this process, each fenced by the
 * step's take (`claim`) as the run's own writes are, with `text` saying why. Returns the entries marked.
 */
export async function markStoppedSteps(deps: InterruptedDeps, claims: readonly StepClaim[], text: string, data: Record<string, unknown>): Promise<TranscriptEntry[]> {
  const marked: TranscriptEntry[] = [];
  const rows = await listRunningEntries(deps.store.db);
  for (const claim of claims) {
    for (const row of rows) {
      if (row.execution_id !== claim.execution_id || Number(row.step) !== claim.step || runnerOf(row) !== claim.runner) continue;
      const entry = await markEntry(deps, row, claim.runner, { text, data, fence: (trx) => holdsRunningStep(trx, claim) });
      if (entry) marked.push(entry);
    }
  }
  return marked;
}
