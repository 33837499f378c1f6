import { describe, expect, it } from 'vitest';
import { configLoader } from '../../test/support/config.js';
import { HOUR, MINUTE } from './test-support.js';

// The on-call reference checks run on every load (src/config/validators.ts).
const load = configLoader('opsbook-oncall');

const USERS = `users:
  - { name: ann, email: ann@example.com }
  - { name: bob, email: bob@example.com }
  - { name: lead, email: lead@example.com }
channels:
  - { id: eng-leads, kind: slack, webhook_url: "https://hooks.example.com/eng-leads" }
`;

describe('schedules: and escalation_policies: in ops.yaml', () => {
  it('loads a valid config into the engine model', async () => {
    const r = await load(
      'ok.yaml',
      `${USERS}schedules:
  - id: primary
    time_zone: europe/berlin
    layers:
      - users: [ann, bob]
        rotation: { length: 1w, handoff: "09:00", start: 2026-03-02 }
        restrictions: [{ days: [mon, fri], start: "22:00", end: "06:00" }]
    overrides:
      - { user: lead, start: 2026-03-10T09:00, end: "2026-03-11T09:00:00Z" }
escalation_policies:
  - id: default
    steps:
      - { targets: [{ schedule: primary }], timeout: 15m }
      - { targets: [{ user: lead }, { channel: eng-leads }], timeout: 1h }
    repeat: 1
`,
    );
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    const [s] = r.config.schedules;
    expect(s).toEqual({
      id: 'primary',
      timeZone: 'Europe/Berlin',
      layers: [
        {
          name: 'Layer 1',
          users: ['ann', 'bob'],
          rotation: { lengthMs: 168 * HOUR, handoffMinutes: 540, start: '2026-03-02' },
          restrictions: [{ days: ['mon', 'fri'], startMinutes: 22 * 60, endMinutes: 6 * 60 }],
        },
      ],
      overrides: [{ user: 'lead', start: Date.parse('2026-03-10T08:00:00Z'), end: Date.parse('2026-03-11T09:00:00Z') }],
      // shift_reminder's default: an hour before each shift.
      reminderMs: HOUR,
    });
    expect(r.config.escalation_policies[0]).toEqual({
      id: 'default',
      steps: [
        { targets: [{ schedule: 'primary' }], timeoutMs: 15 * MINUTE },
        { targets: [{ user: 'lead' }, { channel: 'eng-leads' }], timeoutMs: HOUR },
      ],
      repeat: 1,
      escalateOnResponseTarget: true,
    });
  });

  it('names the exact path and line of each mistake', async () => {
    const r = await load(
      'bad.yaml',
      `${USERS}schedules:
  - id: primary
    time_zone: Mars/Olympus
    layers:
      - name: Weekly
        users: [ann]
        rotation: { length: 30m, handoff: "9am", start: 2026-02-30 }
escalation_policies:
  - id: default
    steps:
      - { targets: [{ pager: ann }], timeout: 10s }
`,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => `${i.path}:${i.line} ${i.code} ${i.message}`)).toEqual([
      'schedules[0].time_zone:9 OPSBOOK_E_CONFIG_INVALID time_zone must be an IANA time zone such as Europe/Berlin (got "Mars/Olympus")',
      'schedules[0].layers[0].rotation.length:13 OPSBOOK_E_CONFIG_DURATION length must be at least 1h (got 30m)',
      'schedules[0].layers[0].rotation.handoff:13 OPSBOOK_E_CONFIG_INVALID handoff must be a local time HH:MM such as 09:00 (got "9am")',
      'schedules[0].layers[0].rotation.start:13 OPSBOOK_E_CONFIG_INVALID start must be a date YYYY-MM-DD',
      'escalation_policies[0].steps[0].targets[0]:17 OPSBOOK_E_CONFIG_INVALID targets[0] must be one of { user: NAME }, { schedule: ID } or { channel: ID }',
      'escalation_policies[0].steps[0].timeout:17 OPSBOOK_E_CONFIG_DURATION timeout must be at least 1m (got 10s)',
    ]);
  });

  it('checks override times and layer names once the fields themselves are valid', async () => {
    const r = await load(
      'overrides.yaml',
      `${USERS}schedules:
  - id: primary
    layers:
      - { name: Weekly, users: [ann], rotation: { length: 1w, start: 2026-03-02 } }
    overrides:
      - { user: ann, start: 2026-03-10T09:00, end: 2026-03-09T09:00 }
      - { user: bob, start: soon, end: 2026-03-09T09:00, layer: Nightly }
`,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => `${i.path} ${i.code} ${i.message}`)).toEqual([
      'schedules[0].overrides[0].end OPSBOOK_E_CONFIG_INVALID end must be after start (2026-03-10T09:00)',
      'schedules[0].overrides[1].start OPSBOOK_E_CONFIG_INVALID start must be a date-time such as 2026-03-10T09:00 (got "soon")',
      'schedules[0].overrides[1].layer OPSBOOK_E_CONFIG_REFERENCE layer names no layer of this schedule (have: Weekly)',
    ]);
  });

  it('reports users, schedules and channels that do not exist', async () => {
    const r = await load(
      'refs.yaml',
      `${USERS}schedules:
  - id: primary
    layers: [{ users: [ann, zed], rotation: { length: 1d, start: 2026-03-02 } }]
escalation_policies:
  - id: default
    steps:
      - { targets: [{ schedule: secondary }, { user: cto }, { channel: pager }], timeout: 5m }
`,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => `${i.path}:${i.line}`)).toEqual([
      'schedules[0].layers[0].users[1]:9',
      'escalation_policies[0].steps[0].targets[0].schedule:13',
      'escalation_policies[0].steps[0].targets[1].user:13',
      'escalation_policies[0].steps[0].targets[2].channel:13',
    ]);
  });
});
