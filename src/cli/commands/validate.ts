import type { OpsConfig } from '../../config/index.js';
import type { RegisterCommands } from '../context.js';
import { resolveConfigPath } from '../local.js';

/** `opsbook validate [PATH]`: every problem at once, each with its file:line and config path. */
export const registerValidate: RegisterCommands = (program, io) => {
  program
    .command('validate')
    .description('Check ops.yaml (or a directory of YAML files): lists every problem with file:line; exit 1 on any. Local by nature: it reads files only.')
    .argument('[path]', 'ops.yaml or a directory of YAML files (default: $OPSBOOK_CONFIG, ./ops.yaml, ./ops/)')
    .option('--json', 'print the result as JSON')
    .action(async (pathArg: string | undefined, opts: { json?: boolean }) => {
      const [{ formatIssue, unsetVariablesHint }, { loadOpsConfig }] = await Promise.all([import('../../config/index.js'), import('../../daemon/config.js')]);
      const path = resolveConfigPath(pathArg, io.env, io.err);
      const result = await loadOpsConfig(path, { env: io.env });
      if (opts.json) {
        io.out(
          JSON.stringify(
            result.ok
              ? { valid: true, path, files: result.files, counts: countEntries(result.config), issues: [] }
              : { valid: false, path, files: result.files, issues: result.issues },
            null,
            2,
          ),
        );
      } else if (result.ok) {
        const counts = Object.entries(countEntries(result.config)).map(([section, n]) => plural(section, n));
        io.out(`✔ ${path} is valid (${counts.join(', ')})`);
      } else {
        for (const issue of result.issues) io.out(formatIssue(issue));
        io.out(`${result.issues.length} ${result.issues.length === 1 ? 'problem' : 'problems'} in ${path}`);
        const hint = unsetVariablesHint(result.issues, path);
        if (hint) io.out(hint);
      }
      process.exitCode = result.ok ? 0 : 1;
    });
};

/** Entries per section: services and checks always, other sections when they have any. */
function countEntries(config: OpsConfig): Record<string, number> {
  const counts: Record<string, number> = { services: config.services.length, checks: config.checks.length };
  for (const section of ['users', 'schedules', 'escalation_policies', 'rules', 'severities', 'channels', 'maintenance', 'slos'] as const) {
    const n = config[section].length;
    if (n > 0) counts[section] = n;
  }
  // `runbooks:` is read as its files (the short form, a list, is the same).
  if (config.runbooks.files.length > 0) counts.runbooks = config.runbooks.files.length;
  const procedures = Object.keys(config.procedures).length;
  if (procedures > 0) counts.procedures = procedures;
  return counts;
}

const NOUNS: Record<string, [string, string]> = {
  services: ['service', 'services'],
  checks: ['check', 'checks'],
  users: ['user', 'users'],
  schedules: ['schedule', 'schedules'],
  escalation_policies: ['escalation policy', 'escalation policies'],
  rules: ['rule', 'rules'],
  severities: ['severity', 'severities'],
  channels: ['channel', 'channels'],
  maintenance: ['maintenance window', 'maintenance windows'],
  slos: ['SLO', 'SLOs'],
  runbooks: ['runbook path', 'runbook paths'],
  procedures: ['procedure setting', 'procedure settings'],
};

function plural(section: string, n: number): string {
  const [one, many] = NOUNS[section] ?? [section, section];
  return `${n} ${n === 1 ? one : many}`;
}
