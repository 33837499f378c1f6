import type { RegisterCommands } from '../context.js';

/** Every command module, in the order `opsbook --help` lists them. One line per module. */
export const COMMAND_MODULES: RegisterCommands[] = [];
