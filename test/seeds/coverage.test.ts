/** The coverage-table checker itself: it must catch a missing row, a wrong key and a proof that does not exist. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { coverageLines, proofProblem, REPO, REQUIREMENTS, requirementRows, resolveKey, splitItems, splitProofs } from './coverage.js';

describe('seed coverage checker', () => {
  it('reads every row of every seed, ranges and several rows on one line included', () => {
    const md = readFileSync(join(REPO, REQUIREMENTS), 'utf8');
    for (const seed of ['000', '001', '002', '003', '004']) {
      const { rows, announced } = requirementRows(md, seed);
      expect(rows.length, seed).toBe(announced);
    }
    const { rows } = requirementRows('## 009 X (6)\nR1 C a   R2 P b\nR3-R5 P c R23\'s d\nR6 N e\n## 010 Y (1)\nR1 C z\n', '009');
    expect(rows).toEqual(['009-R1', '009-R2', '009-R3', '009-R4', '009-R5', '009-R6']);
  });

  it('splits the table, keeping bars inside backticks', () => {
    const lines = coverageLines('x\n\n| Row | Seed line | Config key | Proof |\n|---|---|---|---|\n| 009-R1 | a `x | y` b | `checks[id=a].sla` | reason: none at all here |\n\nafter\n');
    expect(lines).toEqual([{ row: '009-R1', seedLine: 'a `x | y` b', configKey: '`checks[id=a].sla`', proof: 'reason: none at all here', line: 5 }]);
  });

  it('resolves dotted keys with [key=value] and [n] selectors, and nothing else', () => {
    const config = { checks: [{ id: 'a.b', sla: { latency: '10ms' } }, { id: 'c', tags: ['x'] }], severities: [{ id: 'P1' }] };
    expect(resolveKey(config, 'checks[id=a.b].sla.latency')).toBe('10ms');
    expect(resolveKey(config, 'checks[id=c].tags[0]')).toBe('x');
    expect(resolveKey({ procedures: { 'runbooks/a.md#RB-1': { rto: '4h' } } }, 'procedures["runbooks/a.md#RB-1"].rto')).toBe('4h');
    expect(resolveKey({ procedures: { 'runbooks/a.md#RB-1': { rto: '4h' } } }, 'procedures["runbooks/a.md#RB-2"].rto')).toBeUndefined();
    expect(resolveKey(config, 'severities[id=P1]')).toEqual({ id: 'P1' });
    expect(resolveKey(config, 'checks[id=missing].sla')).toBeUndefined();
    expect(resolveKey(config, 'checks[id=c].sla')).toBeUndefined();
    expect(resolveKey(config, 'nothing')).toBeUndefined();
    expect(resolveKey(config, 'checks[id=c')).toBeUndefined();
  });

  it('splits several keys or proofs on ; outside backticks and brackets', () => {
    expect(splitItems('`a[x=1;2]`; b ; `c;d`')).toEqual(['a[x=1;2]', 'b', 'c;d']);
    expect(splitProofs('gameday: x/y; reason: one; two')).toEqual(['gameday: x/y', 'reason: one; two']);
    expect(splitProofs('reason: a; b')).toEqual(['reason: a; b']);
  });

  it('accepts an opsbook test of the system as a proof, by name', () => {
    expect(proofProblem('test: examples/nxentra/tests/seed.yaml › database connections over 80 percent open a P2', 'nxentra')).toBeUndefined();
    expect(proofProblem('test: examples/nxentra/tests/seed.yaml › nobody wrote this', 'nxentra')).toMatch(/no test named/);
    expect(proofProblem('test: examples/nxentra/tests/seed.yaml › database connections over 80 percent open a P2', 'novapulse')).toMatch(/not one of/);
  });

  it('refuses proofs that name a missing test file, an undeclared test, an unknown scenario or recovery test, or no reason', () => {
    expect(proofProblem('test: test/seeds/coverage.test.ts › splits several keys or proofs on ; outside backticks and brackets', 'nxentra')).toBeUndefined();
    expect(proofProblem('test: test/seeds/nope.test.ts › x', 'nxentra')).toMatch(/does not exist/);
    expect(proofProblem('test: test/seeds/coverage.test.ts › a test nobody wrote', 'nxentra')).toMatch(/declares no test/);
    expect(proofProblem('gameday: nxentra/projection-lag', 'nxentra')).toBeUndefined();
    expect(proofProblem('gameday: nxentra/no-such-scenario', 'nxentra')).toMatch(/no scenario/);
    expect(proofProblem('gameday: novapulse/projection-lag', 'nxentra')).toMatch(/not nxentra's|no scenario/);
    expect(proofProblem('gameday: apex/recovery runbooks/apex.md#point-in-time-recovery', 'apex')).toBeUndefined();
    expect(proofProblem('gameday: nxentra/recovery runbooks/nxentra.md#restore-procedures', 'nxentra')).toBeUndefined();
    expect(proofProblem('gameday: apex/recovery runbooks/apex.md#horizontal-scaling', 'apex')).toMatch(/no recovery test of runbooks\/apex.md#horizontal-scaling/);
    expect(proofProblem('gameday: apex/recovery runbooks/apex.md#point-in-time-recovery', 'nxentra')).toMatch(/not nxentra's/);
    expect(proofProblem('reason: ', 'nxentra')).toMatch(/must say why/);
    expect(proofProblem('trust me', 'nxentra')).toMatch(/a proof is/);
  });
});
