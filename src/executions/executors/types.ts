import type { Command } from '../../runbooks/index.js';
import type { ParamRules } from '../param-checks.js';
import type { ParamValues, Service } from '../params.js';
import type { ExecutorName } from '../types.js';

/** What an executor is told when it prepares a command. */
export interface PrepareContext {
  service: Service | undefined;
  params: ParamValues;
  /** Directory relative paths in the config resolve against. */
  baseDir: string;
  /** Where shell steps run when the service names no cwd. */
  defaultCwd: string;
  /** What `procedures[…].params` declare of each parameter (type, pattern, option). */
  rules?: ParamRules;
}

/** What running a command produced. Output is complete here; the transcript caps it. */
export interface ExecutorOutcome {
  status: 'ok' | 'failed' | 'timeout' | 'cancelled';
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** Facts worth keeping (rows returned, the URL requested, the script run). */
  data?: Record<string, unknown>;
}

export interface RunOptions {
  timeoutMs: number;
  signal: AbortSignal;
  /** Called with each piece of output as it arrives (the transcript saves it while the command runs). */
  onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
}

/** A command made ready to run: what it will do, shown before it does it. */
export interface PreparedCommand {
  executor: ExecutorName;
  /** What will run, parameters bound (secrets are masked by the caller). */
  display: string;
  /** What a destructive confirmation must name. */
  confirmation: string;
  run(options: RunOptions): Promise<ExecutorOutcome>;
}

export interface NotRunnable {
  executor: ExecutorName | null;
  why: string;
  /** Not work of its own (a bare `redis-cli`): shown, never counted as missing. */
  skip?: boolean;
}

/** Placeholder names of the command that no source bound. */
export function missingParams(command: Command, params: ParamValues, key: (p: string) => string): string[] {
  return command.placeholders.filter((p) => !params.has(key(p)));
}

/** One executor per target kind, each in its own folder. */
export interface Executor {
  readonly name: ExecutorName;
  prepare(command: Command, ctx: PrepareContext): PreparedCommand | NotRunnable;
}

export function isPrepared(p: PreparedCommand | NotRunnable): p is PreparedCommand {
  return typeof (p as PreparedCommand).run === 'function';
}

/** Substitutes `$NAME`, `${NAME}`, `<name>` and `{name}` in a word with bound values (`encode` for URLs). */
export function substitute(text: string, params: ParamValues, key: (p: string) => string, encode: (v: string) => string = (v) => v): string {
  return text.replace(/\$\{([A-Za-z_]\w*)\}|\$([A-Za-z_]\w*)|<([A-Za-z][\w.-]*)>|(?<!\$)\{([A-Za-z_][\w-]*)\}/g, (whole, a, b, c, d) => {
    const name = (a ?? b ?? c ?? d) as string;
    const v = params.get(key(name));
    return v === undefined ? whole : encode(v.value);
  });
}
