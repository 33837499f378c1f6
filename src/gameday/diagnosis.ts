import type { ExecutionService, PlannedCommand, TranscriptEntry } from '../executions/index.js';
import type { Actor } from '../identity/index.js';
import { WORLD_READ_TOOLS } from './tools/index.js';

/** Executors whose targets the game-day world provides (the stand-in's database, Redis and HTTP API). */
const WORLD_EXECUTORS = new Set(['sql', 'redis', 'http']);

/**
 * Read shell commands of the world's own tools that reach the world's parts (mongosh to its MongoDB):
 * run like the world's executors. The other tools' reads (kubectl get, docker ps) stay for a person.
 */
const WORLD_READ_TOOL = new RegExp(`^\\s*(${WORLD_READ_TOOLS.join('|')})\\s`);

/**
 * The game day acts as a responder (viewers run no step at all), and runs only read commands:
 * `classify` leaves every write, unknown or destructive command for a person.
 */
export const GAMEDAY_ACTOR: Actor = { name: 'gameday', role: 'responder', via: 'cli' };

export type CommandOutcome =
  | 'ok'
  | 'failed'
  | 'not_runnable'
  /** A read shell step: its target (this machine's files, a remote host) is not part of the stand-in world. */
  | 'left:shell'
  /** write, destructive or unknown: for a person to confirm, never run by a game day. */
  | 'left:change';

export interface CommandReport {
  step: number;
  command: number;
  phase: string;
  text: string;
  executor: string | null;
  effect: string;
  outcome: CommandOutcome;
  why?: string;
  /** What it printed (stdout, else stderr), cut to 2,000 characters. */
  output?: string;
}

export interface DiagnosisReport {
  executionId: string;
  procedure: string;
  commands: CommandReport[];
  transcript: TranscriptEntry[];
}

/**
 * Plans the incident's procedure and runs, one command at a time, the read commands of the given
 * phases whose targets are the stand-in world; commands that cannot run here are recorded as not
 * runnable with the reason; anything that changes something is left for a person. A read shell
 * step runs too when the scenario names it (`shell`, pieces of its text): its programs are the
 * world's tools (`kubectl get pods -n apex | grep api`), where other shell reads look at hosts the
 * world does not have.
 */
export async function runDiagnosis(executions: ExecutionService, procedure: string, incidentId: string, phases: readonly string[], shell: readonly string[] = []): Promise<DiagnosisReport> {
  const { id, plan } = await executions.start(procedure, GAMEDAY_ACTOR, { incidentId });
  const commands: CommandReport[] = [];
  for (const step of plan.steps) {
    if (step.manual || !phases.includes(step.phase)) continue;
    for (const c of step.commands) {
      if (c.skip) continue;
      let outcome = classify(c);
      if (outcome === 'left:shell' && c.executor === 'shell' && shell.some((piece) => c.text.includes(piece))) outcome = 'ok';
      const report: CommandReport = { step: step.number, command: c.number, phase: step.phase, text: c.text, executor: c.executor, effect: c.effect, outcome };
      if (!c.runnable && c.why) report.why = c.why;
      if (report.outcome === 'ok' || report.outcome === 'not_runnable') {
        const result = await executions.runStep(id, step.number, GAMEDAY_ACTOR, { command: c.number });
        const entry = result.entries[0];
        if (entry) {
          report.outcome = entry.status === 'ok' ? 'ok' : entry.status === 'not_runnable' ? 'not_runnable' : 'failed';
          const text = entry.stdout.trim() ? entry.stdout : entry.stderr;
          if (text) report.output = text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
          if (entry.status === 'not_runnable' && typeof entry.data.why === 'string') report.why = entry.data.why;
        }
      }
      commands.push(report);
    }
  }
  await executions.finish(id, GAMEDAY_ACTOR).catch(() => undefined);
  return { executionId: id, procedure: plan.procedure, commands, transcript: await executions.transcript(id) };
}

function classify(c: PlannedCommand): CommandOutcome {
  if (!c.runnable) return 'not_runnable';
  if (c.effect !== 'read') return 'left:change';
  if (c.executor === 'shell' && WORLD_READ_TOOL.test(c.text)) return 'ok';
  if (!c.executor || !WORLD_EXECUTORS.has(c.executor)) return 'left:shell';
  return 'ok';
}

/** Transcript entries that show a change was attempted: anything but a read that ran or was tried. */
export function changesRun(transcript: readonly TranscriptEntry[]): TranscriptEntry[] {
  return transcript.filter((e) => e.kind === 'command' && e.effect !== 'read' && ['ok', 'failed', 'timeout', 'cancelled'].includes(e.status));
}
