import type { Command } from 'commander';
import type { RegisterCommands } from '../context.js';
import { remoteFrom } from '../remote.js';
import type { Plan, PlannedStep, StepRunResult, TranscriptEntry } from '../../executions/index.js';
import { localRunClient, remoteRunClient } from './run-client.js';
import { nameValueList, stepNumber } from '../flags.js';
import { endProcessGroups } from '../../lib/process-groups.js';

export { openExecutions, type ExecutionsContext } from './run-client.js';

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** The parameters no user chose (alert labels, earlier output), named before anything runs. */
export function untrustedLine(plan: Plan): string | undefined {
  const untrusted = (plan.parameters ?? []).filter((p) => p.untrusted);
  if (untrusted.length === 0) return undefined;
  return `untrusted: ${untrusted.map((p) => `${p.name}=${JSON.stringify(p.shown)} (${p.source})`).join(', ')} — chosen by no user; check them before running`;
}

/** A plan as text: every step, its effect and exactly what would run. */
export function formatPlan(plan: Plan): string[] {
  const out = [`${plan.procedure} — ${plan.title}`, `service: ${plan.service ?? '(none)'}${plan.incidentId ? `, incident: ${plan.incidentId}` : ''}, timeout per command: ${plan.timeoutMs / 1000}s`];
  if (plan.parameters.length > 0) out.push(`parameters: ${plan.parameters.map((p) => `${p.name}=${p.shown} (${p.source}${p.untrusted ? ', untrusted' : ''})`).join(', ')}`);
  const untrusted = untrustedLine(plan);
  if (untrusted) out.push(untrusted);
  if (plan.missing.length > 0) out.push(`missing: ${plan.missing.join(', ')} (pass --param NAME=VALUE)`);
  for (const p of plan.problems) out.push(`problem: ${p}`);
  for (const r of plan.unknownRequired) out.push(`problem: required item "${r}" matches no manual step`);
  for (const step of plan.steps) out.push('', ...formatStep(step));
  return out;
}

export function formatStep(step: PlannedStep): string[] {
  const flags = [step.phase, step.manual ? 'manual' : step.effect, step.required ? 'required' : '', step.preApproved ? 'pre-approved' : ''].filter(Boolean).join(', ');
  const out = [`${step.number}. ${step.text || '(untitled step)'} [${flags}]`];
  for (const c of step.commands) {
    const where = c.skip ? 'skipped' : c.runnable ? `${c.executor}, ${c.effect}` : `not runnable: ${c.why ?? ''}`;
    out.push(`   ${step.number}.${c.number} $ ${c.display.replace(/\n/g, '\n     ')}`, `       (${where})`);
  }
  return out;
}

export function formatEntry(e: TranscriptEntry): string[] {
  const head = `   → ${e.step}.${e.command} ${e.status}${e.exitCode !== null ? ` (exit ${e.exitCode}` + (e.durationMs !== null ? `, ${e.durationMs} ms)` : ')') : ''}${e.data.why ? `: ${String(e.data.why)}` : ''}`;
  const out = [head];
  const body = (s: string): string[] => s.replace(/\n$/, '').split('\n').map((l) => `     ${l}`);
  if (e.stdout) out.push(...body(e.stdout));
  if (e.stderr) out.push(...body(e.stderr));
  if (e.truncated) out.push(`     [output cut at 64 KiB; the whole of it: opsbook execution export ${e.executionId}]`);
  return out;
}

interface RunOpts {
  step?: string;
  param: string[];
  secret: string[];
  dryRun?: boolean;
  yes?: boolean;
  confirm?: string;
  incident?: string;
  service?: string;
  execution?: string;
  keepOpen?: boolean;
  as?: string;
  config?: string;
  server?: string;
  token?: string;
}

async function ask(question: string): Promise<string> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}

/** Signals that stop `opsbook run` as Ctrl-C does. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** On a forced exit (a second signal), how long the step's command gets to end on SIGTERM before SIGKILL. */
const FORCED_EXIT_GRACE_MS = 200;

export const registerRun: RegisterCommands = (program: Command, io) => {
  program
    .command('run <procedure>')
    .description('Run a runbook procedure (FILE#ID): read steps on request, confirmations for the rest, every command recorded. With --server the daemon runs the commands, as the token’s user.')
    .option('--step <n>', 'run only step N (or N.M: its M-th command)', stepNumber)
    .option('--param <name=value>', 'a placeholder’s value (repeatable)', nameValueList, [])
    .option('--secret <name>', 'mask this parameter everywhere (repeatable)', collect, [])
    .option('--dry-run', 'print exactly what would run, parameters bound and secrets masked; run nothing')
    .option('--yes', 'confirm write and unknown steps (a destructive step needs --confirm with its target)')
    .option('--confirm <target>', 'confirm a destructive step by naming its target (the service, key, database or path the plan shows)')
    .option('--incident <id>', 'run inside an incident: its labels bind parameters, the transcript lands on its timeline')
    .option('--service <id>', 'the service whose targets the steps talk to')
    .option('--execution <id>', 'continue this execution instead of starting one')
    .option('--keep-open', 'leave the execution running (for ticks and later steps) instead of finishing it')
    .option('--as <name>', 'who is running it (default: OPSBOOK_USER)')
    .option('-c, --config <path>', 'ops.yaml or a directory of YAML files')
    .option('--server <url>', 'a running opsbook to run it through (default: OPSBOOK_SERVER; else here, on the local store)')
    .option('--token <token>', 'API token for --server (default: OPSBOOK_TOKEN)')
    .action(async (reference: string, opts: RunOpts) => {
      const remote = remoteFrom(opts, io.env);
      const client = remote ? remoteRunClient(remote) : await localRunClient(opts.config, opts.as, io);
      try {
        const { parseParamFlags, computeOutcome } = await import('../../executions/index.js');
        const { OpsbookError } = await import('../../lib/errors/index.js');
        const params = parseParamFlags(opts.param);
        const planOptions = { params, secretNames: opts.secret, ...(opts.incident ? { incidentId: opts.incident } : {}), ...(opts.service ? { service: opts.service } : {}) };
        const [stepText, commandText] = (opts.step ?? '').split('.');
        const only = opts.step ? Number(stepText) : undefined;
        const command = commandText ? Number(commandText) : undefined;
        if (opts.step && (!Number.isInteger(only) || (commandText !== undefined && !Number.isInteger(command)))) {
          throw new OpsbookError('OPSBOOK_E_USAGE', `--step ${opts.step}: expected N or N.M`);
        }
        if (opts.dryRun) {
          const plan = await client.plan(reference, planOptions);
          const steps = only ? plan.steps.filter((s) => s.number === only) : plan.steps;
          for (const line of formatPlan({ ...plan, steps })) io.out(line);
          return;
        }
        const interactive = io.tty && Boolean(process.stdin.isTTY);
        const { id, plan } = opts.execution ? { id: opts.execution, plan: (await client.get(opts.execution)).plan } : await client.start(reference, planOptions);
        io.out(`execution ${id}: ${plan.procedure} — ${plan.title}`);
        const untrusted = untrustedLine(plan);
        if (untrusted) io.out(untrusted);
        const controller = new AbortController();
        // Ctrl-C, and a stop from outside (SIGTERM: a CI job's time limit, `kill`; SIGHUP: the terminal
        // closed): the step running is stopped and the execution cancelled. Left to Node's default,
        // SIGTERM and SIGHUP ended opsbook at once and the step's process group outlived it.
        // A second signal while the step is given its grace forces the exit, as Node's default would,
        // but its process group gets SIGKILL first: a command that ignores SIGTERM must not outlive opsbook.
        const onSigint = (): void => {
          if (!controller.signal.aborted) return controller.abort();
          void endProcessGroups(FORCED_EXIT_GRACE_MS).finally(() => process.exit(1));
        };
        for (const s of STOP_SIGNALS) process.on(s, onSigint);
        let stopped = false;
        /** With --step: whether every step run did all it was asked (a refusal or a step left to tick is not). */
        let allDone = true;
        try {
          for (const step of plan.steps) {
            if (only !== undefined && step.number !== only) continue;
            if (controller.signal.aborted) break;
            io.out('');
            for (const line of formatStep(step)) io.out(line);
            if (step.manual) {
              if (interactive && /^y(es)?$/i.test(await ask(`   done? tick it [y/N] `))) await client.tick(id, step.number);
              else {
                io.out(`   manual step: tick it with opsbook execution tick ${id} ${step.number}`);
                allDone = false;
              }
              continue;
            }
            let confirm: string | undefined = opts.confirm;
            const runnable = step.commands.filter((c) => c.runnable && (command === undefined || c.number === command));
            const effect = runnable.some((c) => c.effect === 'destructive') ? 'destructive' : step.effect;
            const confirmed = effect === 'destructive' ? opts.confirm !== undefined : Boolean(opts.yes);
            if (runnable.length > 0 && effect !== 'read' && !confirmed && !step.preApproved && interactive) {
              const target = [...new Set(runnable.filter((c) => c.effect === 'destructive').map((c) => c.confirmation))].join(' ');
              confirm = effect === 'destructive' ? await ask(`   destructive: type "${target}" to run it: `) : await ask(`   ${effect}: run it? type yes: `);
            }
            const result: StepRunResult = await client.runStep(id, step.number, {
              ...(command !== undefined ? { command } : {}),
              ...(confirm !== undefined ? { confirm } : {}),
              yes: Boolean(opts.yes),
              params,
              secretNames: opts.secret,
              signal: controller.signal,
            });
            for (const e of result.entries) for (const line of formatEntry(e)) io.out(line);
            if (result.status !== 'ok') allDone = false;
            if (result.status === 'failed' || result.status === 'timeout' || result.status === 'cancelled' || result.status === 'interrupted') {
              stopped = true;
              break;
            }
          }
        } finally {
          for (const s of STOP_SIGNALS) process.removeListener(s, onSigint);
        }
        if (controller.signal.aborted) {
          await client.cancel(id);
          io.out(`execution ${id} cancelled`);
          process.exitCode = 1;
          return;
        }
        if (opts.keepOpen) {
          const outcome = computeOutcome(plan, (await client.get(id)).transcript);
          io.out(`execution ${id} left open (${outcome.state} so far); finish it with opsbook execution finish ${id}`);
          process.exitCode = outcome.state === 'failed' || stopped ? 1 : 0;
          return;
        }
        const done = await client.finish(id);
        io.out('');
        if (only !== undefined) {
          // One step was asked for: its result is the answer; the execution as a whole stays incomplete.
          io.out(`step ${opts.step} ${allDone ? 'completed' : 'did not complete'}; execution ${id} ${done.outcome.state} (only step ${opts.step} was run)`);
          process.exitCode = allDone ? 0 : 1;
          return;
        }
        io.out(`execution ${id} ${done.outcome.state}${done.outcome.reasons.length ? `:\n  ${done.outcome.reasons.join('\n  ')}` : ''}`);
        process.exitCode = done.outcome.state === 'passed' ? 0 : 1;
      } finally {
        await client.close();
      }
    });
};
