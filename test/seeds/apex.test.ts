/**
 * Seed 004 (SIGN X / APEX): every row of the requirements list has a line in docs/seeds/apex.md that holds;
 * and what the example promises of its runbook as opsbook reads it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOpsConfig } from '../../src/daemon/config.js';
import { loadConfiguredRunbooks, resolveProcedure } from '../../src/executions/index.js';
import { describeSeedCoverage, placeholderEnv, REPO } from './coverage.js';

describeSeedCoverage({ system: 'apex', seed: '004' });

async function apex() {
  const file = join(REPO, 'examples/apex/ops.yaml');
  const loaded = await loadOpsConfig(file, { env: placeholderEnv(readFileSync(file, 'utf8')) });
  if (!loaded.ok) throw new Error(loaded.issues.map((i) => `${i.message} → ${i.path}`).join('; '));
  return { config: loaded.config, runbooks: await loadConfiguredRunbooks(loaded.config, loaded.baseDir) };
}

describe('seed 004 as opsbook carries it', () => {
  it('004-R1: the P0-P3 ladder with its response times, high urgency for Immediate and On-call, low for Business hours and Backlog', async () => {
    const { config } = await apex();
    expect(config.severities.map((s) => [s.id, s.response, s.urgency ?? 'high'])).toEqual([
      ['P0', { kind: 'duration', ms: 15 * 60_000 }, 'high'],
      ['P1', { kind: 'duration', ms: 3_600_000 }, 'high'],
      ['P2', { kind: 'duration', ms: 4 * 3_600_000, businessHours: 'office' }, 'low'],
      ['P3', { kind: 'next_business_day', businessHours: 'office' }, 'low'],
    ]);
  });

  it("004-R15, 004-R16: every block of the scaling guide belongs to a procedure's steps", async () => {
    const { runbooks } = await apex();
    const rb = runbooks[0]!;
    const guide = rb.blocks.filter((b) => b.line > 681 && b.line < 819).map((b) => b.line);
    const inProcedures = new Map<number, string>();
    for (const id of ['horizontal-scaling', 'vertical-scaling', 'auto-scaling']) {
      const { procedure } = resolveProcedure(runbooks, `runbooks/apex.md#${id}`);
      for (const b of procedure.phases.flatMap((p) => p.steps).flatMap((s) => s.blocks)) inProcedures.set(b.line, id);
    }
    expect(guide.length).toBe(6);
    expect(guide.filter((line) => !inProcedures.has(line))).toEqual([]);
  });

  it('004-R19: the migration checklist is verification, not diagnosis, and alembic downgrade is destructive', async () => {
    const { runbooks } = await apex();
    const { procedure } = resolveProcedure(runbooks, 'runbooks/apex.md#zero-downtime-migration-strategy');
    const phaseOf = (text: string) => procedure.phases.find((p) => p.steps.some((s) => s.text.startsWith(text)))?.kind;
    expect(phaseOf('Test migration on staging')).toBe('verification');
    expect(procedure.phases.filter((p) => p.kind === 'diagnosis')).toEqual([]);
    const rollback = procedure.phases.filter((p) => p.kind === 'rollback').flatMap((p) => p.steps).flatMap((s) => s.blocks).flatMap((b) => b.commands);
    expect(rollback.find((c) => c.text.includes('alembic downgrade'))?.effect).toBe('destructive');
  });

  it('004-R14: the quarterly DR drill is measured against RPO 15 min and RTO 4 h', async () => {
    const { config, runbooks } = await apex();
    resolveProcedure(runbooks, 'runbooks/apex.md#test-restore-procedure');
    expect(config.procedures['runbooks/apex.md#test-restore-procedure']?.recovery_test).toEqual({ rpo: 15 * 60_000, rto: 4 * 3_600_000 });
  });
});
