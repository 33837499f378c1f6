import fs from 'node:fs';
import path from 'node:path';
import type { RegisterCommands } from '../context.js';
import { OpsbookError } from '../../lib/errors/index.js';
import { regexList } from '../flags.js';

/**
 * `opsbook test FILE…`: offline tests of a whole config, in the spirit of `promtool test rules`:
 * check results, alerts and actions on a simulated clock; expected alerts, incidents and pages.
 */
export const registerTest: RegisterCommands = (program, io) => {
  program
    .command('test')
    .description(
      'Run test files against a config on a simulated clock (alerts, incidents, who is paged when); exit 1 on any failure. ' +
        '`opsbook test rules FILE…` runs promtool-style unit tests of Prometheus rule files instead. Local by nature: each test runs on a store and clock of its own.',
    )
    .argument('<files...>', 'test files (YAML; see docs/testing.md), or `rules` followed by promtool unit-test files')
    .option('--run <regex>', 'run only the tests whose name matches (repeatable: any of them)', regexList, [] as string[])
    .option('--ignore-unknown-fields', 'test rules: accept rule-file keys Prometheus does not know')
    .option('--json', 'print the outcomes as JSON')
    .action(async (files: string[], opts: { run: string[]; json?: boolean; ignoreUnknownFields?: boolean }) => {
      const filter = opts.run.length > 0 ? new RegExp(opts.run.join('|')) : undefined;
      if (files[0] === 'rules') {
        if (files.length < 2) throw new OpsbookError('OPSBOOK_E_USAGE', 'opsbook test rules needs at least one unit-test file', { location: { path: 'rules' } });
        const { runRulesTestFile, formatRulesTestResults } = await import('../../config-tests/rules/index.js');
        const results = files.slice(1).map((f) => runRulesTestFile(f, { run: filter, ignoreUnknownFields: opts.ignoreUnknownFields }));
        const printed = formatRulesTestResults(results);
        for (const line of printed.err) io.err(line);
        for (const line of printed.out) io.out(line);
        process.exitCode = printed.exitCode;
        return;
      }
      const paths = files.flatMap(testFilesOf);
      const { runTestFile, formatOutcomes } = await import('../../config-tests/index.js');
      const outcomes = [];
      for (const file of paths) outcomes.push(await runTestFile(file, { env: io.env, ...(filter ? { filter } : {}) }));
      const report = formatOutcomes(outcomes);
      if (opts.json) io.out(JSON.stringify(report.json, null, 2));
      else for (const line of report.lines) io.out(line);
      process.exitCode = report.ok ? 0 : 1;
    });
};

/** A test file as given, or for a directory (an example, a config repo) the YAML files of its `tests/`. */
function testFilesOf(arg: string): string[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(arg);
  } catch {
    return [arg];
  }
  if (!stat.isDirectory()) return [arg];
  const dir = path.basename(arg) === 'tests' ? arg : path.join(arg, 'tests');
  const found = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => path.join(dir, f)) : [];
  if (found.length === 0) throw new OpsbookError('OPSBOOK_E_USAGE', `${arg} is a directory without test files (looked for ${dir}/*.yaml)`, { location: { path: arg } });
  return found;
}
