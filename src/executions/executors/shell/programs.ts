import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import type { ShCall } from '../../shell-syntax.js';

/** Shell builtins and keywords: nothing to install, nothing for an allow-list to name. */
const BUILTINS = new Set([
  '[[', '[', 'test', 'echo', 'printf', 'export', 'declare', 'local', 'readonly', 'typeset', 'cd', 'pwd', 'true', 'false', ':',
  'set', 'unset', 'read', 'wait', 'exit', 'return', 'shift', 'let', 'eval', 'type', 'command', 'builtin', 'exec', 'trap',
]);

/** Programs that run another program named by their first operand. */
const WRAPPERS = new Set(['sudo', 'env', 'nohup', 'time', 'nice', 'ionice', 'stdbuf', 'timeout', 'xargs', 'exec', 'command']);

/** Find `program` on PATH the way a shell would. */
export function which(program: string, path: string | undefined): string | undefined {
  const executable = (p: string): boolean => {
    try {
      accessSync(p, constants.X_OK);
      return statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (program.includes('/')) return executable(program) ? program : undefined;
  for (const dir of (path ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, program);
    if (executable(p)) return p;
  }
  return undefined;
}

export interface ProgramUse {
  /** The program as written (`kubectl`, `./scripts/check.sh`), or undefined when its name is an expansion. */
  name: string | undefined;
  /** Its operands, expansions kept as written. */
  args: string[];
}

/** Every program a statement starts, wrappers looked through (`sudo -u x kubectl …` starts sudo and kubectl). */
export function programsOf(calls: readonly ShCall[]): ProgramUse[] {
  const out: ProgramUse[] = [];
  for (const call of calls) {
    let words = call.words;
    for (let guard = 0; words.length > 0 && guard < 4; guard++) {
      const first = words[0]!;
      const name = first.literal ? first.value : undefined;
      if (name !== undefined && BUILTINS.has(name) && !WRAPPERS.has(name)) break;
      out.push({ name, args: words.slice(1).map((w) => w.value) });
      if (name === undefined || !WRAPPERS.has(name.replace(/^.*\//, ''))) break;
      // The wrapped program: the first operand that is neither an option nor an assignment (timeout's duration skipped).
      let rest = words.slice(1).filter((w, i, all) => !w.value.startsWith('-') && !/^[A-Za-z_]\w*=/.test(w.value) && !(i > 0 && /^-[ugCnIPL]$/.test(all[i - 1]!.value)));
      if (name === 'timeout') rest = rest.slice(1);
      if (rest.length === 0) break;
      words = words.slice(words.indexOf(rest[0]!));
    }
  }
  return out;
}

/**
 * Why a program cannot run here, or undefined when it can: not installed, installed but with
 * nothing to talk to (kubectl without a kubeconfig, docker without a daemon), a script that is
 * not in the working directory, or a program that never ends by itself.
 */
export function programProblem(use: ProgramUse, env: Record<string, string>, cwd: string): string | undefined {
  const name = use.name;
  if (name === undefined) return undefined;
  const base = name.replace(/^.*\//, '');
  if (base === 'watch') return 'watch repeats until interrupted: run it in a terminal';
  const path = isAbsolute(name) || !name.includes('/') ? name : join(cwd, name);
  if (!which(path, env.PATH)) return name.includes('/') ? `${name} is not in the working directory ${cwd}` : `${name} is not installed`;
  if (base === 'kubectl' || base === 'oc' || base === 'helm') {
    const kubeconfig = env.KUBECONFIG ?? (env.HOME ? join(env.HOME, '.kube', 'config') : undefined);
    if (!kubeconfig || !kubeconfig.split(delimiter).some((p) => existsSync(p))) return `${base} is not configured: no kubeconfig (set KUBECONFIG in services[].shell.env)`;
  }
  if (base === 'docker' || base === 'docker-compose') {
    const host = env.DOCKER_HOST;
    if (!host && !existsSync('/var/run/docker.sock')) return `${base} is not configured: no Docker daemon (set DOCKER_HOST in services[].shell.env)`;
  }
  if (/^python[\d.]*$/.test(base)) {
    const script = use.args.find((a) => !a.startsWith('-'));
    if (script && /\.py$/.test(script) && !existsSync(isAbsolute(script) ? script : join(cwd, script))) return `${script} is not in the working directory ${cwd}`;
  }
  return undefined;
}
