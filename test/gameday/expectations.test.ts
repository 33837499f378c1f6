/**
 * What a scenario's diagnosis must show, and how a negative control that passes is reported: pure
 * functions, no world.
 */
import { describe, expect, it } from 'vitest';
import type { CommandReport } from '../../src/gameday/diagnosis.js';
import { checkDiagnosis, checkEvidenceGone } from '../../src/gameday/expectations.js';
import { formatScenarioLines } from '../../src/gameday/report.js';
import type { ScenarioResult } from '../../src/gameday/result.js';
import type { Scenario } from '../../src/gameday/spec.js';
import { checkWorldEvidenceGone, checkWorldReads, runWorldReads } from '../../src/gameday/world-reads.js';

const expectOf = (over: Partial<Scenario['expect']> = {}): Scenario['expect'] => ({
  alert: 'a', severity: 'P2', severity_source: 'configured', runbook: 'r.md#x', within_minutes: 15, phases: ['diagnosis'], ran: [], not_runnable: [], quiet: [], world: [], review: [], ...over,
});
const command = (text: string, outcome: CommandReport['outcome'], output?: string): CommandReport => ({
  step: 1, command: 1, phase: 'diagnosis', text, executor: 'sql', effect: 'read', outcome, ...(output !== undefined ? { output } : {}),
});

describe('checkDiagnosis', () => {
  it('fails a read step that printed nothing, asserted or not', () => {
    const asserted = checkDiagnosis(expectOf({ ran: [{ command: 'FROM queue', status: 'ok', output: '.*', evidence: true }] }), [command('SELECT * FROM queue', 'ok', '')]);
    expect(asserted).toEqual([expect.stringMatching(/printed nothing: no evidence/)]);
    const unasserted = checkDiagnosis(expectOf(), [command('SELECT * FROM replicas', 'ok', '  ')]);
    expect(unasserted).toEqual([expect.stringMatching(/printed nothing/)]);
  });

  it('fails a read step that errored unless the scenario lists it as quiet with the reason', () => {
    const failed = command('SELECT * FROM stories', 'failed', 'ERROR: relation "stories" does not exist');
    expect(checkDiagnosis(expectOf(), [failed])).toEqual([expect.stringMatching(/failed: ERROR: relation "stories"/)]);
    expect(checkDiagnosis(expectOf({ quiet: [{ command: 'FROM stories', why: 'no seed tables here' }] }), [failed])).toEqual([]);
  });

  it('passes evidence the output carries', () => {
    const ran = [{ command: 'is_paused', status: 'ok' as const, output: 'dashboard', evidence: true }];
    expect(checkDiagnosis(expectOf({ ran }), [command('WHERE is_paused = true', 'ok', 'consumer_name\ndashboard | 1')])).toEqual([]);
  });
});

describe('checkEvidenceGone', () => {
  it('rejects evidence that outlives the fault (a header is not evidence)', () => {
    const ran = [{ command: 'pg_stat_replication', status: 'ok' as const, output: 'lag_seconds', evidence: true }];
    const after = [command('SELECT … FROM pg_stat_replication', 'ok', ' client_addr | lag_seconds\n(0 rows)')];
    expect(checkEvidenceGone(expectOf({ ran }), after)).toEqual([expect.stringMatching(/still prints \/lag_seconds\/ after the world was mended/)]);
    expect(checkEvidenceGone(expectOf({ ran: [{ ...ran[0]!, evidence: false }] }), after)).toEqual([]);
  });
});

describe('negative control in the output', () => {
  it('says a scenario whose negative control passed proves nothing', () => {
    const s: ScenarioResult = {
      id: 'x', title: 'X', passed: false, failures: ['negative control: resolution skipped: the incident resolved anyway after 2 min — the scenario proves nothing'], seconds: 1,
      expected: { alert: 'a', severity: 'P2', severitySource: 'configured', runbook: 'r.md#x' },
      fault: { text: 'private redis-server stopped', standIn: false },
      negativeControl: { ran: true, held: false, text: 'resolution skipped: the incident resolved anyway after 2 min — the scenario proves nothing' },
    };
    const lines = formatScenarioLines(s);
    expect(lines[0]).toMatch(/✘ x — X$/);
    expect(lines).toContainEqual(expect.stringMatching(/negative control ✘ passed: proves nothing/));
  });

  it('marks a scenario whose fault only switches a stand-in’s figures, and says how it was resolved', () => {
    const s: ScenarioResult = {
      id: 'x', title: 'X', passed: true, failures: [], seconds: 1,
      expected: { alert: 'a', severity: 'P1', severitySource: 'configured', runbook: 'r.md#x' },
      fault: { text: 'stand-in: faults opensearch_red', standIn: true },
      negativeControl: { ran: true, held: true, text: 'resolution skipped: incident still open' },
      resolution: { by: 'runbook', text: 'step 8 of r.md#x (resolution: Restart OpenSearch) as sam (responder)', actor: 'sam', output: '' },
    };
    const lines = formatScenarioLines(s);
    expect(lines[0]).toMatch(/✔ x — X \[stand-in\]$/);
    expect(lines[1]).toBe('      fault: stand-in: faults opensearch_red');
    expect(lines[2]).toMatch(/resolved by the runbook's step 8 of r\.md#x/);
  });
});

describe('world reads', () => {
  const read = { sql: 'select lag', on: 'replica' as const, output: '^([5-9]|\\d{2,})', evidence: true, why: 'NULL on the primary' };
  it('fails a read that failed, printed nothing or not the value; passes the value', () => {
    expect(checkWorldReads([{ read, ok: false, output: 'connection refused' }])).toEqual([expect.stringContaining('failed: connection refused')]);
    expect(checkWorldReads([{ read, ok: true, output: '' }])).toEqual([expect.stringContaining('printed nothing')]);
    expect(checkWorldReads([{ read, ok: true, output: '0.2' }])).toEqual([expect.stringContaining('expected /')]);
    expect(checkWorldReads([{ read, ok: true, output: '6.4' }])).toEqual([]);
  });
  it('fails evidence that outlives the fault', () => {
    expect(checkWorldEvidenceGone([{ read, ok: true, output: '7.1' }])).toEqual([expect.stringContaining('not evidence of the fault')]);
    expect(checkWorldEvidenceGone([{ read, ok: true, output: '0' }])).toEqual([]);
    expect(checkWorldEvidenceGone([{ read: { ...read, evidence: false }, ok: true, output: '7.1' }])).toEqual([]);
  });

  it('reads the application log\'s last lines that match, as evidence that is gone once a new process logs', async () => {
    const read = { app_log: { tail: 3, grep: 'ERROR' }, output: '"GET /api/x" 500', evidence: true, why: 'a pod log' } as const;
    let log = ['ERROR "GET /api/x" 500', 'INFO "GET /api/x" 200', 'ERROR "GET /api/x" 500', 'INFO "GET /health" 200'];
    const during = await runWorldReads([read], {}, (tail) => log.slice(-tail));
    expect(during).toEqual([{ read, ok: true, output: 'ERROR "GET /api/x" 500' }]);
    expect(checkWorldReads(during)).toEqual([]);
    // A restarted process logs afresh: nothing of the fault in it.
    log = ['INFO "GET /api/x" 200'];
    const after = await runWorldReads([read], {}, (tail) => log.slice(-tail));
    expect(checkWorldReads(after)).toEqual([expect.stringContaining('printed nothing: no evidence')]);
    expect(checkWorldEvidenceGone(after)).toEqual([]);
    expect(checkWorldReads(await runWorldReads([read], {}))).toEqual([expect.stringContaining('the world keeps no application log')]);
  });
});
