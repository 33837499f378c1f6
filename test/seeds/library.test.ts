/**
 * Seed 003 (library app): every row of the requirements list has a line in docs/seeds/library.md that
 * holds; and what the example's procedures settings promise of the runbook as opsbook reads it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOpsConfig } from '../../src/daemon/config.js';
import { loadConfiguredRunbooks, resolveProcedure } from '../../src/executions/index.js';
import { describeSeedCoverage, placeholderEnv, REPO } from './coverage.js';

describeSeedCoverage({ system: 'library', seed: '003' });

async function library() {
  const file = join(REPO, 'examples/library/ops.yaml');
  const loaded = await loadOpsConfig(file, { env: placeholderEnv(readFileSync(file, 'utf8')) });
  if (!loaded.ok) throw new Error(loaded.issues.map((i) => `${i.message} → ${i.path}`).join('; '));
  return { config: loaded.config, runbooks: await loadConfiguredRunbooks(loaded.config, loaded.baseDir) };
}

describe('seed 003 procedures as opsbook reads them', () => {
  it('003-R1: the morning health check runs daily at 09:00 and every command of it only reads', async () => {
    const { config, runbooks } = await library();
    const settings = config.procedures['runbooks/library.md#morning-health-check']!;
    expect(settings.cron).toBe('0 9 * * *');
    expect(settings.time_zone).toBe('UTC');
    const { procedure } = resolveProcedure(runbooks, 'runbooks/library.md#morning-health-check');
    const effects = procedure.phases.flatMap((p) => p.steps).flatMap((s) => s.blocks).flatMap((b) => b.commands).map((c) => c.effect);
    expect(effects.length).toBeGreaterThan(0);
    expect(effects.filter((e) => e !== 'read')).toEqual([]);
  });

  it('003-R17: the staging migration is a step of the change, and the migration has no diagnosis that changes anything', async () => {
    const { runbooks } = await library();
    const { procedure } = resolveProcedure(runbooks, 'runbooks/library.md#database-schema-migration');
    const staging = procedure.phases.find((p) => p.steps.some((s) => s.text.startsWith('Test in Staging')));
    expect(staging?.kind).toBe('steps');
    const changes = procedure.phases.filter((ph) => ph.kind === 'diagnosis').flatMap((ph) => ph.steps).flatMap((s) => s.blocks).filter((b) => b.effect !== 'read');
    expect(changes.map((b) => `${b.line} ${b.effect}`)).toEqual([]);
  });
});
