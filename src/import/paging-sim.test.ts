import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRules, checkInfoFromConfig, RuleEvaluator } from '../alerts/index.js';
import { parseCondition } from '../checks/conditions/index.js';
import { evaluateCheck } from '../checks/evaluate-check.js';
import { loadConfig, type OpsConfig } from '../config/index.js';
import { SimulatedClock } from '../lib/clock.js';
import { emit, propose, type Proposal } from './index.js';
import { fillTodos } from './test-support.js';

const seedsDir = path.resolve(import.meta.dirname, '../../test/fixtures/runbooks/seeds');

/**
 * Seed 001's error-rate alerts run through opsbook's own check levels and rule evaluator on the
 * simulated clock: the proposal, filled in and loaded as config, is what decides when and how loud
 * a steady error rate pages.
 */
describe('seed 001 imported: what a steady API error rate opens, and when', () => {
  let dir: string;
  let proposal: Proposal;
  let config: OpsConfig;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'opsbook-import-sim-'));
    const name = (await readdir(seedsDir)).sort()[1]!;
    proposal = propose([{ text: await readFile(path.join(seedsDir, name), 'utf8'), ref: name }]);
    const file = path.join(dir, 'ops.yaml');
    await writeFile(file, emit(proposal).config);
    const loaded = await loadConfig(file, { env: fillTodos(proposal) });
    if (!loaded.ok) throw new Error(loaded.issues.map((i) => i.message).join('\n'));
    config = loaded.config;
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** Feeds the error-rate check a result every 30 s for 12 minutes; the firings, minute and severity. */
  async function run(errorRate: number): Promise<{ rule: string; minute: number; severity: string }[]> {
    const clock = new SimulatedClock();
    const start = clock.now();
    const checks = config.checks as unknown as Record<string, unknown>[];
    const info = checkInfoFromConfig(checks);
    const evaluator = new RuleEvaluator(buildRules([...info.values()], config.rules), clock, info);
    const item = proposal.items.find((i) => i.section === 'checks' && i.id === 'novapulse-api-error-rate')!;
    const list = (k: string): string[] => (item.body[k] as string[] | undefined) ?? [];
    const conditions = { id: item.id, kind: 'metrics', conditions: [], warning: list('warning').map(parseCondition), critical: list('critical').map(parseCondition) };
    const fired: { rule: string; minute: number; severity: string }[] = [];
    for (let s = 0; s <= 12 * 60; s += 30) {
      await clock.advance(s === 0 ? 0 : 30_000);
      const result = evaluateCheck(conditions, { values: { VALUE: errorRate }, value: errorRate }, { at: clock.now(), latencyMs: 5 });
      for (const e of [...evaluator.onCheckResult(result), ...evaluator.tick()]) {
        if (e.kind === 'firing' && !fired.some((f) => f.rule === e.ruleId)) fired.push({ rule: e.ruleId, minute: (clock.now() - start) / 60_000, severity: e.severity });
      }
    }
    return fired;
  }

  it('at 6 % errors: nothing before the 5 minutes the runbook asks for, and nothing at P1', async () => {
    const fired = await run(0.06);
    expect(fired.length).toBeGreaterThan(0);
    for (const f of fired) {
      expect(f.minute, f.rule).toBeGreaterThanOrEqual(5);
      expect(f.severity, f.rule).not.toBe('P1');
    }
  });

  it('at 2 % errors: only the warning alert, after its 10 minutes, at a non-paging severity', async () => {
    expect(await run(0.02)).toEqual([{ rule: 'novapulse-api-error-rate-warning', minute: 10, severity: 'P4' }]);
  });
});
