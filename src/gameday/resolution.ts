import { spawn } from 'node:child_process';
import type { OpsConfig } from '../config/index.js';
import type { ExecutionService, PlannedStep } from '../executions/index.js';
import type { Actor } from '../identity/index.js';
import type { IncidentService } from '../incidents/index.js';
import { applyFault, type Fault, type FaultTarget } from './faults/index.js';
import type { Resolution } from './spec.js';

/** Real time a mend command may take (pg_dump of a small database, a curl to loopback). */
const MEND_TIMEOUT_MS = 60_000;

export interface ResolutionReport {
  /** What ran, in words: the runbook step or the mend. */
  text: string;
  /** `runbook`: a step of the procedure ran through the execution service; `mend`: the game day's stand-in for it. */
  by: 'runbook' | 'mend';
  actor: string;
  output: string;
  failures: string[];
  why?: string;
}

export interface ResolutionContext {
  config: OpsConfig;
  executions: ExecutionService;
  incidents: IncidentService;
  procedure: string;
  incidentId: string;
  world: FaultTarget;
  fault: Fault;
  env: Record<string, string>;
}

/** The person who runs it: the first user with the role the step needs (a game-day name when none is configured). */
export function actorFor(config: OpsConfig, role: 'responder' | 'admin'): Actor {
  const user = config.users.find((u) => u.role === role);
  return { name: user?.name ?? `gameday-${role}`, role, via: 'cli' };
}

/** Runs the scenario's resolution: the runbook step with its confirmation and role, or the named mend. */
export async function runResolution(r: Resolution, ctx: ResolutionContext): Promise<ResolutionReport> {
  return 'step' in r ? runRunbookStep(r, ctx) : runMend(r, ctx);
}

async function runRunbookStep(r: Extract<Resolution, { step: number }>, ctx: ResolutionContext): Promise<ResolutionReport> {
  const actor = actorFor(ctx.config, r.as);
  const failures: string[] = [];
  const { id, plan } = await ctx.executions.start(ctx.procedure, actor, { incidentId: ctx.incidentId, params: r.params });
  const step = plan.steps.find((s) => s.number === r.step);
  const text = `step ${r.step}${r.command ? `.${r.command}` : ''} of ${plan.procedure}${step ? ` (${step.phase}: ${stepSummary(step)})` : ''} as ${actor.name} (${actor.role})`;
  if (!step) {
    await ctx.executions.cancel(id, actor).catch(() => undefined);
    return { text, by: 'runbook', actor: actor.name, output: '', failures: [`${plan.procedure} has no step ${r.step}`] };
  }
  const result = await ctx.executions.runStep(id, r.step, actor, { ...(r.command ? { command: r.command } : {}), ...(r.confirm ? { confirm: r.confirm } : {}), params: r.params });
  const output = result.entries.map((e) => [e.stdout, e.stderr].filter((s) => s.trim()).join('\n')).join('\n');
  if (result.status !== 'ok') failures.push(`resolution ${text} ended ${result.status}${result.reason ? `: ${result.reason}` : ''}${output ? `: ${output.split('\n')[0]}` : ''}`);
  else if (r.output && !new RegExp(r.output, 'm').test(output)) failures.push(`resolution ${text} printed ${JSON.stringify(output.split('\n')[0] ?? '')}, expected /${r.output}/`);
  await ctx.executions.finish(id, actor).catch(() => undefined);
  return { text, by: 'runbook', actor: actor.name, output, failures };
}

/** A step in a few words: its first line of prose, else its first command (a step may be a code block alone). */
export function stepSummary(step: Pick<PlannedStep, 'text' | 'commands'>): string {
  const line = step.text.split('\n').find((l) => l.trim()) ?? step.commands[0]?.display ?? '';
  return line.trim().slice(0, 60) || 'no text';
}

async function runMend(r: Extract<Resolution, { mend: string }>, ctx: ResolutionContext): Promise<ResolutionReport> {
  const actor = actorFor(ctx.config, 'responder');
  const failures: string[] = [];
  let output = '';
  if (r.mend === 'undo') {
    await applyFault(ctx.world, ctx.fault, false);
    output = 'the fault undone';
  } else {
    const run = await shell(r.mend, ctx.env);
    output = (run.stdout + run.stderr).trim();
    if (run.code !== 0) failures.push(`mend exited ${run.code ?? 'on a signal'}: ${output.split('\n')[0] ?? ''}`);
  }
  const text = `mend: ${r.mend}`;
  // The review shows what the responder did, and why it was not the runbook's own step.
  await ctx.incidents.addTimelineEntry(ctx.incidentId, { kind: 'note', actor: actor.name, text: `resolution (game day): ${r.mend} — ${r.why}`, data: { mend: r.mend, why: r.why } });
  return { text, by: 'mend', actor: actor.name, output, failures, why: r.why };
}

function shell(command: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', command], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const kill = setTimeout(() => child.kill('SIGKILL'), MEND_TIMEOUT_MS);
    child.on('error', (e) => {
      clearTimeout(kill);
      resolve({ code: 127, stdout, stderr: `${stderr}${e.message}` });
    });
    child.on('close', (code) => {
      clearTimeout(kill);
      resolve({ code, stdout, stderr });
    });
  });
}
