import { Command, CommanderError } from 'commander';
import { isOpsbookError } from '../lib/errors/index.js';
// The module itself rather than store/index.js: every command's start pays for what main imports.
import { namedStoreError } from '../store/named-error.js';
import { COMMAND_MODULES, commandModulesFor, type CommandModule } from './commands/index.js';
import { processIO, type CliIO } from './context.js';
import { commanderExitCode, USAGE_EXIT } from './flags.js';

/** The program with the commands of `modules` (default all of them, as `opsbook --help` lists them). */
export async function buildProgram(io: CliIO, modules: readonly CommandModule[] = COMMAND_MODULES): Promise<Command> {
  const program = new Command('opsbook')
    .description('Operations runbooks and ops-as-code, run: checks, alerts, incidents, on-call, safe runbook execution.')
    .version('0.1.0')
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    // Before the commands are added, so each inherits it: a usage error in a subcommand is thrown to
    // main() for its exit status, not ended by commander with its own (1).
    .exitOverride();
  const registers = await Promise.all(modules.map((m) => m.load()));
  for (const register of registers) register(program, io);
  return program;
}

export async function main(argv: string[], io: CliIO = processIO()): Promise<void> {
  // argv is node's: [node, script, ...args].
  const program = await buildProgram(io, commandModulesFor(argv.slice(2)));
  try {
    await program.parseAsync(argv);
  } catch (raw) {
    // A store held by another process, unreachable or full is told by name, as the API tells it.
    const e = namedStoreError(raw);
    // One convention for every command (docs/operating.md): a usage error exits 2, a failed operation 1.
    if (e instanceof CommanderError) {
      process.exitCode = commanderExitCode(e);
      return;
    }
    if (isOpsbookError(e)) {
      io.err(`✖ ${e.describe()} [${e.code}]`);
      process.exitCode = e.kind === 'invalid' ? USAGE_EXIT : 1;
      return;
    }
    // A failure opsbook did not foresee: one line, the stack only on request.
    io.err(`✖ ${(e as Error)?.message ?? String(e)} [OPSBOOK_E_INTERNAL]`);
    if (io.env.OPSBOOK_DEBUG) io.err((e as Error)?.stack ?? '');
    else io.err('  (set OPSBOOK_DEBUG=1 to see where it failed)');
    process.exitCode = 1;
  }
}
