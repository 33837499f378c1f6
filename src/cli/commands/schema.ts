import type { RegisterCommands } from '../context.js';

/** `opsbook schema`: the JSON Schema of ops.yaml, for editors (yaml-language-server) and CI. */
export const registerSchema: RegisterCommands = (program, io) => {
  program
    .command('schema')
    .description('Print the JSON Schema (draft 2020-12) of ops.yaml. Local by nature: no state is read.')
    .action(async () => {
      const { configJsonSchema } = await import('../../config/index.js');
      io.out(JSON.stringify(configJsonSchema(), null, 2));
    });
};
