import { afterAll, describe, expect, it } from 'vitest';
import { isOpsbookError, type OpsbookError } from '../lib/errors/index.js';
import { parseTestFile } from './format.js';
import { runTestFile } from './runner.js';
import { fixtureDir } from './test-support.js';

function parseError(text: string): OpsbookError {
  try {
    parseTestFile(text, 'suite.yaml');
  } catch (e) {
    if (isOpsbookError(e)) return e;
    throw e;
  }
  throw new Error('accepted');
}

describe('test file format: bad input is located', () => {
  it('a second YAML document is refused at its line, saying what to do', () => {
    const e = parseError('config: ops.yaml\ntests: []\n---\ntests: []\n');
    expect([e.message, e.location?.line]).toEqual(['not valid YAML: a second YAML document starts here (after ---); a file holds one: remove the --- or move what follows to a file of its own', 3]);
  });

  it('reads a valid file with its defaults', () => {
    const tf = parseTestFile('config: ops.yaml\ntests:\n  - name: t\n    inputs: { series: [{ check: c, values: ok }] }\n', '/x/suite.yaml');
    expect(tf.configPath).toBe('/x/ops.yaml');
    expect(tf.data.tests[0]!.inputs.series[0]).toMatchObject({ from: 0, check: 'c' });
    expect(tf.data.tests[0]!.expect).toEqual({});
  });

  it('an unknown key points at the key line', () => {
    const e = parseError('config: ops.yaml\ntests:\n  - name: t\n    expect:\n      incidnets: []\n');
    expect(e.code).toBe('OPSBOOK_E_TEST_FILE_INVALID');
    expect(e.location).toMatchObject({ file: 'suite.yaml', line: 5, path: 'tests[0].expect.incidnets' });
    expect(e.describe()).toContain('suite.yaml:5');
  });

  it('a bad duration names its path and line', () => {
    const e = parseError('config: ops.yaml\ntests:\n  - name: t\n    expect:\n      incidents:\n        - { at: 5 minutes, severity: P1 }\n');
    expect(e.message).toContain('"5 minutes" is not a duration');
    expect(e.location).toMatchObject({ line: 6, path: 'tests[0].expect.incidents[0].at' });
  });

  it('an action must name exactly one verb', () => {
    const e = parseError('config: ops.yaml\ntests:\n  - name: t\n    inputs:\n      actions:\n        - { at: 1m, as: ann }\n');
    expect(e.message).toContain('name exactly one of acknowledge');
    expect(e.location).toMatchObject({ line: 6, path: 'tests[0].inputs.actions[0]' });
  });

  it('YAML syntax errors carry their line', () => {
    const e = parseError('config: ops.yaml\ntests:\n  - name: [unclosed\n');
    expect(e.message).toContain('not valid YAML');
    expect(e.location?.line).toBeGreaterThanOrEqual(3);
  });

  it('a start without an offset is refused', () => {
    expect(parseError('config: ops.yaml\nstart: 2026-03-03T10:00\ntests: [{ name: t }]\n').location).toMatchObject({ line: 2, path: 'start' });
  });
});

describe('test file references are checked against the config', () => {
  const files = {
    'unknown-check.yaml': 'config: ops.yaml\ntests:\n  - name: t\n    inputs:\n      series:\n        - check: api-helth\n          values: ok\n',
    'bad-values.yaml': 'config: ops.yaml\ntests:\n  - name: t\n    inputs:\n      series:\n        - check: api-health\n          values: ok ok dwn\n',
    'unknown-user.yaml': 'config: ops.yaml\ntests:\n  - name: t\n    inputs:\n      actions:\n        - { at: 1m, acknowledge: "#1", as: bob }\n',
    'unknown-rule.yaml': 'config: ops.yaml\ntests:\n  - name: t\n    expect:\n      alerts:\n        - { at: 1m, rule: api-dwn }\n',
    'bad-config.yaml': 'config: missing.yaml\ntests: [{ name: t }]\n',
  };
  const fx = fixtureDir(files);
  afterAll(async () => (await fx).cleanup());

  it.each([
    ['unknown-check.yaml', 6, 'unknown check "api-helth" (the config has: api-health, api-queue)', 'tests[0].inputs.series[0].check'],
    ['bad-values.yaml', 7, '"dwn" is not a step', 'tests[0].inputs.series[0].values'],
    ['unknown-user.yaml', 6, 'unknown user "bob" (the config has: ann, lead)', 'tests[0].inputs.actions[0].as'],
    ['unknown-rule.yaml', 6, 'unknown rule "api-dwn"', 'tests[0].expect.alerts[0].rule'],
  ])('%s → line %i', async (name, line, message, path) => {
    const out = await runTestFile((await fx).path(name));
    expect(out.tests).toEqual([]);
    expect(out.error?.code).toBe('OPSBOOK_E_TEST_FILE_INVALID');
    expect(out.error?.message).toContain(message);
    expect(out.error?.location).toMatchObject({ line, path });
  });

  it('a config that does not load is reported at the config: line', async () => {
    const out = await runTestFile((await fx).path('bad-config.yaml'));
    expect(out.error?.code).toBe('OPSBOOK_E_CONFIG_INVALID');
    expect(out.error?.message).toContain('no such file');
    expect(out.error?.location).toMatchObject({ line: 1, path: 'config' });
  });
});
