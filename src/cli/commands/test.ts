import type { RegisterCommands } from '../context.js';
import { OpsbookError } from '../../lib/errors/index.js';

/**
 * `opsbook test FILE…`: offline tests of a whole config, in the spirit of `promtool test rules`:
 * check results, alerts and actions on a simulated clock; expected alerts, incidents and pages.
 */
export const registerTest: RegisterCommands = (program, io) => {
  program
    .command('test')
    .description('Run test files against a config on a simulated clock (alerts, incidents, who is paged when); exit 1 on any failure. Local by nature: each test runs on a store and clock of its own.')
    .argument('<files...>', 'test files (YAML; see docs/testing.md)')
    .option('--run <regex>', 'run only the tests whose name matches')
    .option('--json', 'print the outcomes as JSON')
    .action(async (files: string[], opts: { run?: string; json?: boolean }) => {
      let filter: RegExp | undefined;
      try {
        filter = opts.run !== undefined ? new RegExp(opts.run) : undefined;
      } catch (e) {
        const err = new OpsbookError('OPSBOOK_E_USAGE', `--run is not a regular expression: ${(e as Error).message}`);
        io.err(`✖ ${err.code} ${err.describe()}`);
        process.exitCode = 1;
        return;
      }
      const { runTestFile, formatOutcomes } = await import('../../config-tests/index.js');
      const outcomes = [];
      for (const file of files) outcomes.push(await runTestFile(file, { env: io.env, ...(filter ? { filter } : {}) }));
      const report = formatOutcomes(outcomes);
      if (opts.json) io.out(JSON.stringify(report.json, null, 2));
      else for (const line of report.lines) io.out(line);
      process.exitCode = report.ok ? 0 : 1;
    });
};
