import { describe, expect, it } from 'vitest';
import { roleName } from './extract/escalation.js';
import { propose } from './index.js';

describe('import names the people of an on-call list after roles, not after what a slot covers', () => {
  it.each([
    ['24/7 coverage', 'Primary', 'Primary'],
    ['Backup for critical incidents', 'Secondary', 'Secondary'],
    ['Engineering lead for P0/P1', 'Escalation', 'Engineering lead'],
    ['[Contact Info]', 'Primary', 'Primary'],
    ['<name>', 'Tier 2', 'Tier 2'],
    ['On-call engineer', 'Level 1', 'On-call engineer'],
    ['Database administrator during business hours', 'L2', 'Database administrator'],
    ['CTO', 'Level 4', 'CTO'],
    ['Platform team', 'Tertiary', 'Platform team'],
    ['Weekends only', 'Secondary', 'Secondary'],
  ])('%s (%s) → %s', (who, label, role) => {
    expect(roleName(who, label)).toBe(role);
  });

  it('a rotation list whose items say what they cover proposes users named after the slots', () => {
    const text = [
      '# Payments gateway',
      '',
      '## On-call',
      '',
      '- **Primary**: around the clock',
      '- **Secondary**: Backup when primary is unreachable',
      '- **Escalation**: Head of platform for sev-1',
      '',
    ].join('\n');
    const users = propose([{ text, ref: 'payments.md' }])
      .items.filter((i) => i.section === 'users')
      .map((i) => i.id);
    expect(users).toHaveLength(3);
    expect(users[0]).toMatch(/-primary$/);
    expect(users[1]).toMatch(/-secondary$/);
    expect(users[2]).toMatch(/-head-of-platform$/);
    expect(users.join(' ')).not.toMatch(/around|backup|sev-1/);
  });
});
