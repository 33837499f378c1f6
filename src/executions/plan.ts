import { configSecrets, type OpsConfig } from '../config/index.js';
import type { Command, Effect, Procedure, Runbook } from '../runbooks/index.js';
import { worst } from '../runbooks/index.js';
import { executorSet, isPrepared, substitute, type PreparedCommand } from './executors/index.js';
import { commandValueProblem, paramRules } from './param-checks.js';
import { bindParameters, commandSecrets, maskSecrets, paramKey, secretValues, shownParameters, type ParamValues, type ProcedureSettings, type Service } from './params.js';
import type { Plan, PlannedCommand, PlannedStep } from './types.js';

export const DEFAULT_TIMEOUT_MS = 60_000;

export interface PlanInput {
  runbook: Runbook;
  procedure: Procedure;
  config: OpsConfig;
  baseDir: string;
  /** Working directory of shell steps when the service names none. */
  defaultCwd: (service: string) => string;
  service?: string;
  incident?: { id: string; service: string | null; labels: Record<string, string> };
  params?: Record<string, string>;
  secretNames?: string[];
  outputs?: Record<string, string>;
  env?: Record<string, string | undefined>;
}

export interface BuiltPlan {
  plan: Plan;
  settings: ProcedureSettings | undefined;
  values: ParamValues;
  /** Ready-to-run commands by `step.command`. */
  prepared: Map<string, PreparedCommand>;
  /** What masking replaces in everything recorded of these commands: secret parameters and the config's credentials. */
  secrets: string[];
  /** Problems binding configured parameters (an unset env variable, an unreadable file). */
  problems: string[];
}

function normalise(text: string): string {
  return text.trim().replace(/\s+/g, ' ').replace(/[.:]$/, '').toLowerCase();
}

/** The `procedures:` entry for a procedure: keys are matched like references (file suffix, id case-insensitive). */
export function settingsFor(config: OpsConfig, runbook: Runbook, procedure: Procedure): { key: string; settings: ProcedureSettings } | undefined {
  const file = runbook.file.replace(/\\/g, '/').replace(/^\.\//, '').toLowerCase();
  for (const [key, settings] of Object.entries(config.procedures)) {
    const hash = key.lastIndexOf('#');
    const kf = key.slice(0, hash).replace(/^\.\//, '').toLowerCase();
    if (key.slice(hash + 1).toLowerCase() !== procedure.id.toLowerCase()) continue;
    if (file === kf || file.endsWith(`/${kf}`)) return { key, settings };
  }
  return undefined;
}

/** Every step of the procedure in document order, numbered from 1. */
export function flattenSteps(procedure: Procedure): { phase: PlannedStep['phase']; step: Procedure['phases'][number]['steps'][number]; commands: Command[] }[] {
  return procedure.phases.flatMap((phase) => phase.steps.map((step) => ({ phase: phase.kind, step, commands: step.blocks.flatMap((b) => b.commands) })));
}

function selected(selectors: readonly (number | string)[], number: number, text: string): boolean {
  return selectors.some((s) => (typeof s === 'number' ? s === number : normalise(s) === normalise(text)));
}

/**
 * What running the procedure here would do: each step with its commands, the executor each goes
 * to, its parameters bound (secrets masked), what is missing and why a command cannot run here.
 */
export function buildPlan(input: PlanInput): BuiltPlan {
  const { runbook, procedure, config } = input;
  const found = settingsFor(config, runbook, procedure);
  const settings = found?.settings;
  const serviceId = input.service ?? settings?.service ?? input.incident?.service ?? (config.services.length === 1 ? config.services[0]!.id : undefined);
  const service: Service | undefined = serviceId === undefined ? undefined : config.services.find((s) => s.id === serviceId);
  const fromConfig = configSecrets(config);
  const { values, problems } = bindParameters({
    person: input.params,
    secretNames: input.secretNames,
    settings,
    incidentLabels: input.incident?.labels,
    service,
    outputs: input.outputs,
    env: input.env,
    baseDir: input.baseDir,
    configSecrets: new Set(fromConfig),
  });
  if (serviceId !== undefined && !service) problems.push(`service ${serviceId} is not defined in services:`);
  const flat = flattenSteps(procedure);
  // Credentials the procedure's own steps write (in a URL, an option, an assignment) are masked like the config's.
  const written = flat.flatMap((f) => [...commandSecrets(f.step.text), ...f.commands.flatMap((c) => commandSecrets(substitute(c.text, values, paramKey)))]);
  const secrets = secretValues(values, [...fromConfig, ...written]);
  const blockOf = new Map<Command, Command[]>();
  for (const f of flat) for (const b of f.step.blocks) for (const c of b.commands) blockOf.set(c, b.commands);
  const executors = executorSet((c) => {
    const block = blockOf.get(c) ?? [];
    return block.slice(0, block.indexOf(c));
  });
  const rules = paramRules(settings);
  const ctx = { service, params: values, baseDir: input.baseDir, defaultCwd: input.defaultCwd(service?.id ?? 'default'), rules };
  const prepared = new Map<string, PreparedCommand>();
  const used = new Set<string>();
  const missingAll = new Set<string>();
  const manualTexts = new Set<string>();

  const steps: PlannedStep[] = flat.map(({ phase, step, commands }, i) => {
    const number = i + 1;
    const planned: PlannedCommand[] = commands.map((command, j) => {
      const p = executors.prepare(command, ctx);
      for (const ph of command.placeholders) used.add(paramKey(ph));
      const missing = command.placeholders.filter((ph) => !values.has(paramKey(ph)));
      const base = {
        number: j + 1,
        text: maskSecrets(command.text, secrets),
        line: command.line,
        target: command.target,
        effect: command.effect,
        reasons: command.reasons,
        placeholders: command.placeholders,
        missing,
      };
      if (!isPrepared(p)) {
        return { ...base, executor: p.executor, runnable: false, why: maskSecrets(p.why, secrets), ...(p.skip ? { skip: true } : {}), display: maskSecrets(substitute(command.text, values, paramKey), secrets) };
      }
      if (missing.length > 0) {
        for (const m of missing) missingAll.add(m);
        const names = missing.map((m) => m.replace(/^\$\{?|^[<{]|[>}]$/g, ''));
        return { ...base, executor: p.executor, runnable: false, why: `missing parameter ${missing.join(', ')}: pass ${names.map((n) => `--param ${n}=VALUE`).join(' ')}`, display: maskSecrets(p.display, secrets) };
      }
      const invalid = commandValueProblem(command.placeholders, values, rules);
      if (invalid) return { ...base, executor: p.executor, runnable: false, why: invalid, display: maskSecrets(p.display, secrets) };
      prepared.set(`${number}.${j + 1}`, p);
      return { ...base, executor: p.executor, runnable: true, display: maskSecrets(p.display, secrets), confirmation: maskSecrets(p.confirmation, secrets) };
    });
    const manual = commands.length === 0;
    if (manual) manualTexts.add(normalise(step.text));
    const effect: Effect = planned.length === 0 ? 'read' : worst(planned.filter((c) => !c.skip).map((c) => c.effect));
    return {
      number,
      phase,
      text: maskSecrets(step.text, secrets),
      line: step.line,
      manual,
      required: manual && (settings?.required ?? []).some((r) => normalise(r) === normalise(step.text)),
      preApproved: selected(settings?.pre_approved ?? [], number, step.text),
      effect,
      commands: planned,
    };
  });

  const plan: Plan = {
    procedure: `${runbook.file}#${procedure.id}`,
    file: runbook.file,
    procedureId: procedure.id,
    title: procedure.title,
    ...(service ? { service: service.id } : {}),
    ...(input.incident ? { incidentId: input.incident.id } : {}),
    steps,
    parameters: shownParameters(values, used, secrets),
    missing: [...missingAll],
    timeoutMs: settings?.timeout ?? DEFAULT_TIMEOUT_MS,
    unknownRequired: (settings?.required ?? []).filter((r) => !manualTexts.has(normalise(r))),
    problems,
  };
  return { plan, settings, values, prepared, problems, secrets };
}
