import { mkdir } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { Command } from '../../../runbooks/index.js';
import { paramKey, type ParamValues, type Service } from '../../params.js';
import { optionParams } from '../../param-checks.js';
import { envNameOf, parseShell, protectAngles, scriptOf, ShellSyntaxError, type ShStatement } from '../../shell-syntax.js';
import { substitute, type Executor, type NotRunnable, type PrepareContext, type PreparedCommand } from '../types.js';
import { runInProcessGroup } from './process.js';
import { programProblem, programsOf } from './programs.js';

export { runInProcessGroup, MAX_OUTPUT_BYTES, KILL_GRACE_MS } from './process.js';
export { which, programsOf, programProblem } from './programs.js';

/** Variables of opsbook's own environment a step gets; everything else must be set in `services[].shell.env`. */
const PASSED_ENV = ['PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'SHLVL'];

const protect = protectAngles;

/** A word that begins with a placeholder: `$NAME`, `${NAME}`, `@name@` (an angle one, protected) or `{name}`. */
const LEADING_PLACEHOLDER = /^(?:\$\{?([A-Za-z_]\w*)\}?|@([A-Za-z][\w.-]*)@|\{([A-Za-z_][\w-]*)\})/;

/**
 * A value that begins with `-` where its placeholder starts an argument would be read as an option
 * (`find -delete`, `git log --output=FILE`). Refused unless the parameter is declared an option, or
 * the argument follows `--`.
 */
export function leadingDashProblem(statements: readonly ShStatement[], params: ParamValues, options: ReadonlySet<string>): string | undefined {
  for (const call of statements.flatMap((s) => s.calls)) {
    let afterDashes = false;
    for (const [i, word] of call.words.entries()) {
      if (i > 0 && word.literal && word.value === '--') afterDashes = true;
      const m = LEADING_PLACEHOLDER.exec(word.value);
      if (!m || afterDashes) continue;
      const name = (m[1] ?? m[2] ?? m[3])!;
      const shown = m[1] ? `$${name}` : m[2] ? `<${name}>` : `{${name}}`;
      const v = params.get(paramKey(name));
      if (!v?.value.startsWith('-') || options.has(paramKey(name))) continue;
      const program = i === 0 ? 'the command name' : `an argument of ${call.words[0]?.value ?? 'the command'}`;
      return `parameter ${shown} begins with "-" where it stands as ${program}, so it would be read as an option: declare it one (procedures[…].params.${name}.option: true) or give a value that does not begin with "-"`;
    }
  }
  return undefined;
}

export function shellCwd(service: Service | undefined, ctx: Pick<PrepareContext, 'baseDir' | 'defaultCwd'>): string {
  const cwd = service?.shell?.cwd;
  if (!cwd) return ctx.defaultCwd;
  return isAbsolute(cwd) ? cwd : join(ctx.baseDir, cwd);
}

/** The environment a shell step runs with: a few of opsbook's, the service's, then each parameter. */
export function shellEnv(command: Command, service: Service | undefined, params: ParamValues): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of PASSED_ENV) if (process.env[k] !== undefined) env[k] = process.env[k]!;
  Object.assign(env, service?.shell?.env ?? {});
  for (const p of command.placeholders) {
    const v = params.get(paramKey(p));
    if (v === undefined) continue;
    if (p.startsWith('$')) env[p.replace(/^\$\{?|\}$/g, '')] = v.value;
    else env[envNameOf(p)] = v.value;
  }
  return env;
}

/** Statements earlier in the block that only set variables or change directory: later ones depend on them. */
function isPrelude(st: ShStatement): boolean {
  return st.calls.length > 0 && st.calls.every((c) => (c.words.length === 0 && c.assigns.length > 0) || ['export', 'cd', 'declare', 'local'].includes(c.words[0]?.value ?? ''));
}

/**
 * Shell steps: `bash -c` in the service's working directory, in a process group of its own.
 * Parameters travel as environment variables; the script text only ever names them.
 */
export function shellExecutor(previous: (command: Command) => Command[] = () => []): Executor {
  return {
    name: 'shell',
    prepare(command: Command, ctx: PrepareContext): PreparedCommand | NotRunnable {
      const service = ctx.service;
      if (!service) return { executor: 'shell', why: 'no service for this procedure: set procedures["FILE#ID"].service or pass --service' };
      if (!service.shell) return { executor: 'shell', why: `no shell for service ${service.id}: set services[].shell (cwd, env, allow)` };
      let statements: ShStatement[];
      try {
        statements = parseShell(protect(command.text));
      } catch (e) {
        if (e instanceof ShellSyntaxError) return { executor: 'shell', why: `the command is not valid bash: ${e.message}` };
        throw e;
      }
      // What a step starts ends with it (its process group is killed), so `cmd &` would be stopped at once.
      if (statements.some((s) => s.background)) return { executor: 'shell', why: 'runs in the background (&), and what a step starts ends with the step: run it in a terminal' };
      const dash = leadingDashProblem(statements, ctx.params, optionParams(ctx.rules ?? new Map()));
      if (dash) return { executor: 'shell', why: dash };
      const cwd = shellCwd(service, ctx);
      const env = shellEnv(command, service, ctx.params);
      const uses = programsOf(statements.flatMap((s) => s.calls));
      const allow = service.shell.allow;
      for (const use of uses) {
        if (allow) {
          if (use.name === undefined) return { executor: 'shell', why: 'a program name is an expansion, which services[].shell.allow cannot check' };
          const base = use.name.replace(/^.*\//, '');
          if (!allow.includes(base) && !allow.includes(use.name)) return { executor: 'shell', why: `${base} is not in services[].shell.allow of ${service.id}` };
        }
        const problem = programProblem(use, { ...env, PATH: env.PATH ?? '' }, cwd);
        if (problem) return { executor: 'shell', why: `not runnable here: ${problem}` };
      }
      const prelude = previous(command)
        .filter((c) => c.target === 'shell' && c.effect === 'read')
        .filter((c) => {
          try {
            return parseShell(protect(c.text)).every(isPrelude);
          } catch {
            return false;
          }
        })
        .map((c) => scriptOf(c.text, c.placeholders));
      const script = [...prelude, scriptOf(command.text, command.placeholders)].join('\n');
      return {
        executor: 'shell',
        display: substitute(command.text, ctx.params, paramKey),
        confirmation: service.id,
        run: async (options) => {
          if (!service.shell?.cwd) await mkdir(cwd, { recursive: true });
          const outcome = await runInProcessGroup({ ...options, script, cwd, env });
          return { ...outcome, data: { ...outcome.data, script, cwd } };
        },
      };
    },
  };
}
