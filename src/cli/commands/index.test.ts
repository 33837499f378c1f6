import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import type { CliIO } from '../context.js';
import { COMMAND_MODULES, commandModulesFor } from './index.js';

const io: CliIO = { out: () => undefined, err: () => undefined, env: {}, tty: false };

describe('the command modules table', () => {
  it('names exactly the top-level commands each module registers', async () => {
    for (const module of COMMAND_MODULES) {
      const program = new Command('opsbook');
      (await module.load())(program, io);
      expect(program.commands.map((c) => c.name()), module.names.join(' ')).toEqual(module.names);
    }
  });

  it('gives the one module of a named command, and every module otherwise', () => {
    expect(commandModulesFor(['validate', 'examples/demo']).flatMap((m) => m.names)).toEqual(['validate']);
    expect(commandModulesFor(['restore', '--from', 'x']).flatMap((m) => m.names)).toEqual(['backup', 'restore']);
    for (const args of [[], ['--help'], ['help', 'validate'], ['-V'], ['valdate'], ['toString'], ['__proto__']]) {
      expect(commandModulesFor(args), args.join(' ')).toBe(COMMAND_MODULES);
    }
  });
});
