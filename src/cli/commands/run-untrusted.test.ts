/** `opsbook run` names the parameters no user chose (incident labels) before anything runs, and in a dry run. */
import { describe, expect, it } from 'vitest';
import { opsConfigSchema } from '../../config/index.js';
import { buildPlan } from '../../executions/index.js';
import { parseRunbook } from '../../runbooks/index.js';
import { formatPlan, untrustedLine } from './run.js';

describe('untrusted parameters in the CLI', () => {
  it('lists a label-bound value as untrusted; a person’s value is not', () => {
    const runbook = parseRunbook('# L\n\n## RB-1: Find\n\n**Diagnosis:**\n```bash\nfind $LOG_DIR -name <pattern>\n```\n', { file: 'l.md' });
    const config = opsConfigSchema.parse({ services: [{ id: 'web', shell: {} }] });
    const { plan } = buildPlan({ runbook, procedure: runbook.procedures[0]!, config, baseDir: '/tmp', defaultCwd: () => '/tmp', service: 'web', incident: { id: 'inc-1', service: 'web', labels: { log_dir: 'logs -exec touch x ;' } }, params: { pattern: '*.log' }, env: {} });
    const line = 'untrusted: log_dir="logs -exec touch x ;" (incident) — chosen by no user; check them before running';
    expect(untrustedLine(plan)).toBe(line);
    expect(formatPlan(plan)).toContain(line);
    expect(formatPlan(plan).join('\n')).toContain('pattern=*.log (person)');
  });
});
