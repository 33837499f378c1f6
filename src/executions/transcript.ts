import type { ExecutionEntryRow, ExecutionRow } from '../store/index.js';
import type { Approval, EntryStatus, ExecutionState, ExecutionSummary, TranscriptEntry } from './types.js';

/**
 * How much of each stream a transcript row keeps. Past it the row holds the first bytes and the
 * whole output (up to the executors' 16 MiB in-memory limit) goes to `execution_outputs`.
 */
export const TRANSCRIPT_CAP_BYTES = 64 * 1024;

/** The first `cap` bytes of `text`, cut on a character boundary. */
export function capText(text: string, cap = TRANSCRIPT_CAP_BYTES): { kept: string; bytes: number; cut: boolean } {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= cap) return { kept: text, bytes: buf.length, cut: false };
  let end = cap;
  // Step back over UTF-8 continuation bytes so no character is split.
  while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--;
  return { kept: buf.subarray(0, end).toString('utf8'), bytes: buf.length, cut: true };
}

export function toEntry(row: ExecutionEntryRow): TranscriptEntry {
  return {
    id: row.id,
    executionId: row.execution_id,
    seq: Number(row.seq),
    step: Number(row.step),
    command: Number(row.command),
    kind: row.kind as TranscriptEntry['kind'],
    actor: row.actor,
    at: Number(row.at),
    durationMs: row.duration_ms === null ? null : Number(row.duration_ms),
    target: row.target,
    effect: row.effect,
    text: row.text,
    status: row.status as EntryStatus,
    exitCode: row.exit_code,
    approval: row.approval ? (JSON.parse(row.approval) as Approval) : null,
    stdout: row.stdout,
    stderr: row.stderr,
    stdoutBytes: Number(row.stdout_bytes),
    stderrBytes: Number(row.stderr_bytes),
    truncated: Number(row.truncated) === 1,
    data: JSON.parse(row.data) as Record<string, unknown>,
  };
}

export function toSummary(row: ExecutionRow): ExecutionSummary {
  return {
    id: row.id,
    procedure: row.procedure,
    title: row.title,
    service: row.service,
    incidentId: row.incident_id,
    state: row.state as ExecutionState,
    trigger: row.trigger as ExecutionSummary['trigger'],
    startedBy: row.started_by,
    startedAt: Number(row.started_at),
    finishedAt: row.finished_at === null ? null : Number(row.finished_at),
  };
}

/**
 * When what the entry says happened: a finished command's end (its start plus its duration), else
 * its time. An entry keeps its start; the incident's timeline dates its line here, so "step 4.1 ok"
 * follows what the command's run allowed, in order, in the review.
 */
export function entryHappenedAt(e: Pick<TranscriptEntry, 'at' | 'durationMs' | 'status'>): number {
  return e.status === 'running' || e.durationMs === null ? e.at : e.at + e.durationMs;
}

/** One line for a timeline or a log: `step 3.1 ok (exit 0, 120 ms): LLEN nova:email:waiting`. */
export function describeEntry(e: TranscriptEntry): string {
  if (e.kind === 'tick') return `step ${e.step} ticked by ${e.actor}: ${e.text}`;
  if (e.kind === 'note') return `step ${e.step}: ${e.text}`;
  const exit = e.exitCode === null ? '' : `exit ${e.exitCode}`;
  const took = e.durationMs === null ? '' : `${e.durationMs} ms`;
  const facts = [exit, took].filter(Boolean).join(', ');
  return `step ${e.step}.${e.command} ${e.status}${facts ? ` (${facts})` : ''}: ${e.text}`;
}
