import type { Command } from 'commander';

/** What every command module gets: where to write, and how to end with an exit code. */
export interface CliIO {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
  /** True when stdout is a terminal: commands may then colour and prompt. */
  tty: boolean;
}

/** A command module adds its commands to the program; actions set `process.exitCode`. */
export type RegisterCommands = (program: Command, io: CliIO) => void;

/**
 * A reader that went away (`opsbook … | head -1`) ends the command quietly, as the pipe's signal
 * ends other Unix tools, instead of an unhandled EPIPE with a stack.
 */
function endOnClosedPipe(e: NodeJS.ErrnoException): void {
  if (e.code !== 'EPIPE') throw e;
  process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
}

export function processIO(): CliIO {
  if (!process.stdout.listeners('error').includes(endOnClosedPipe)) process.stdout.on('error', endOnClosedPipe);
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
    tty: Boolean(process.stdout.isTTY),
  };
}

/** The options of a command that acts locally (`--config`, `--as`) or through a server (`--server`, `--token`). */
export function withActingOptions(cmd: Command): Command {
  return cmd
    .option('-c, --config <path>', 'ops.yaml or a directory of YAML files (local mode)')
    .option('--as <name>', 'acting user (local mode; default OPSBOOK_USER)')
    .option('--server <url>', 'a running opsbook to act through (default OPSBOOK_SERVER)')
    .option('--token <token>', 'API token for --server (default OPSBOOK_TOKEN)')
    .option('--json', 'print JSON');
}
