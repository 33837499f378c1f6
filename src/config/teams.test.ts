import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatIssue, loadConfig } from './index.js';
import { configDir } from './test-support.js';

describe('teams:', () => {
  it('names every unknown member, service, schedule and policy, and a service owned twice, with its line', async () => {
    const { dir, cleanup } = await configDir({
      'ops.yaml': [
        'users:\n  - { name: ana, role: responder }',
        'services:\n  - { id: pay }',
        'teams:',
        '  - { id: payments, members: [ana, anna], services: [pay, pey], schedules: [nope], escalation_policy: missing }',
        '  - { id: other, services: [pay] }',
        '',
      ].join('\n'),
    });
    try {
      const result = await loadConfig(join(dir, 'ops.yaml'));
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.issues.map((i) => [i.code, i.path, i.line])).toEqual([
        ['OPSBOOK_E_CONFIG_REFERENCE', 'teams[0].members[1]', 6],
        ['OPSBOOK_E_CONFIG_REFERENCE', 'teams[0].services[1]', 6],
        ['OPSBOOK_E_CONFIG_REFERENCE', 'teams[0].schedules[0]', 6],
        ['OPSBOOK_E_CONFIG_REFERENCE', 'teams[0].escalation_policy', 6],
        ['OPSBOOK_E_CONFIG_DUPLICATE_ID', 'teams[1].services[0]', 7],
      ]);
      expect(result.issues.map(formatIssue).join('\n')).toMatch(/"anna" is not defined in users \(did you mean "ana"\?\) → teams\[0\].members\[1\] \(.*ops.yaml:6\)/);
    } finally {
      await cleanup();
    }
  });
});
