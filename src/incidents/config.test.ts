import { describe, expect, it } from 'vitest';
import { configLoader } from '../../test/support/config.js';

const load = configLoader('opsbook-incidents-config');

// The incidents validator is registered for every load through daemon/config.ts (test/support/config.ts loads that way).
describe('rules:, severities:, maintenance:, silences: in ops.yaml', () => {
  it('loads a P0–P3 ladder, rules, windows and silences into the engine model', async () => {
    const r = await load('ok.yaml', `
services:
  - { id: api }
checks:
  - { id: queue, kind: tcp, host: 127.0.0.1, port: 6379, service: api }
rules:
  - { id: backlog, check: queue, condition: "value > 1000", for: 5m, severity: P1 }
severities:
  - { id: P0, response: 15m }
  - { id: P1, response: 1h }
  - { id: P3, response: next_business_day, business_hours: office }
business_hours:
  - { id: office, time_zone: europe/berlin }
maintenance:
  - { id: weekly, cron: "0 2 * * 0", duration: 30m, time_zone: Europe/Berlin, services: [api] }
silences:
  - { id: s1, matchers: [{ label: check, value: queue }], starts: "2026-03-04T00:00:00Z", ends: "2026-03-05T00:00:00Z", created_by: ana, comment: flaky }
`);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.rules[0]).toMatchObject({ id: 'backlog', checkId: 'queue', forMs: 300_000, severity: { critical: 'P1' } });
    expect(r.config.severities.map((s) => s.id)).toEqual(['P0', 'P1', 'P3']);
    expect(r.config.business_hours[0]).toMatchObject({ timeZone: 'Europe/Berlin', startMinutes: 540, endMinutes: 1020 });
    expect(r.config.maintenance[0]).toMatchObject({ cron: '0 2 * * 0', durationMs: 1_800_000, onEnd: 'notify_if_firing' });
    expect(r.config.silences[0]).toMatchObject({ startsAt: Date.parse('2026-03-04T00:00:00Z'), origin: 'config' });
  });

  it('names the place of a dangling reference or a malformed window', async () => {
    const r = await load('bad.yaml', `
rules:
  - { id: backlog, check: nope, severity: P9 }
severities:
  - { id: P1, response: next_business_day, business_hours: office }
maintenance:
  - { id: half, cron: "0 2 * * 0" }
`);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const found = r.issues.map((i) => `${i.path}: ${i.message}`).join('\n');
    expect(found).toMatch(/maintenance\[0\].*cron and duration/);
    const refs = await load('refs.yaml', `
rules:
  - { id: backlog, check: nope, severity: P9 }
severities:
  - { id: P1, response: next_business_day, business_hours: office }
`);
    expect(refs.ok).toBe(false);
    if (refs.ok) return;
    expect(refs.issues.map((i) => [i.path, i.code])).toEqual([
      ['rules[0].check', 'OPSBOOK_E_CONFIG_REFERENCE'],
      ['rules[0].severity', 'OPSBOOK_E_CONFIG_REFERENCE'],
      ['severities[0].business_hours', 'OPSBOOK_E_CONFIG_REFERENCE'],
    ]);
    expect(refs.issues[0]!.line).toBe(3);
  });

  it('suggests the id a misspelt reference was near: a check, a user, a schedule, a channel, a service (not for a two-letter severity)', async () => {
    const r = await load('near.yaml', `
services:
  - { id: payments }
checks:
  - { id: demo-health, kind: tcp, host: 127.0.0.1, port: 1, service: payments }
users:
  - { name: demo-responder }
channels:
  - { id: ops-slack, kind: slack, webhook_url: "http://127.0.0.1:9/x" }
schedules:
  - { id: primary, time_zone: UTC, layers: [{ name: w, users: [demo-respondre], rotation: { length: 1w, start: 2026-03-02 } }] }
escalation_policies:
  - id: default
    steps:
      - { targets: [{ schedule: primray }, { channel: ops-slak }], timeout: 15m, severities: [P11] }
rules:
  - { id: down, check: demo-healht }
maintenance:
  - { id: m, start: "2026-03-10T02:00", end: "2026-03-10T03:00", services: [paymnets] }
slos:
  - { id: s, kind: availability, checks: [demo-helth, unrelated], objective: 99% }
`);
    expect(!r.ok && r.issues.map((i) => i.message.replace(/^.* is not defined in /, ''))).toEqual([
      'users: (did you mean "demo-responder"?)',
      'schedules: (did you mean "primary"?)',
      'channels: (did you mean "ops-slack"?)',
      'severities:',
      'checks: (did you mean "demo-health"?)',
      'services: (did you mean "payments"?)',
      'checks (did you mean "demo-health"?)',
      'checks',
    ]);
  });

  it('refuses a rule condition that orders against a word (a misspelt value, a letter O for a zero), which would never hold', async () => {
    const r = await load('orders.yaml', `
services:
  - { id: api }
checks:
  - { id: queue, kind: tcp, host: 127.0.0.1, port: 6379, service: api }
rules:
  - { id: backlog, check: queue, condition: "valeu > 1000", severity: P1 }
  - { id: slow, check: queue, condition: "latency > 5OO", severity: P2 }
  - { id: fine, check: queue, condition: "value > 1000 && latency <= 2s", severity: P2 }
`);
    expect(!r.ok && r.issues.map((i) => [i.path, i.line, i.message])).toEqual([
      ['rules[0].condition', 7, expect.stringContaining('> compares numbers, durations (720h), percentages (80%) or sizes (10MB), and "valeu" is none of them (a rule condition reads value, latency, [VALUE], [LATENCY], [LEVEL] and [STATUS]) at column 1 of "valeu > 1000"')],
      ['rules[1].condition', 8, expect.stringContaining('"5OO" is none of them')],
    ]);
  });
});

describe('what a window or silence in ops.yaml takes in', () => {
  it('refuses an empty value for = and !=, a silence every unlabelled incident passes, and an unnarrowed window', async () => {
    const r = await load('scope.yaml', `
services:
  - { id: api }
maintenance:
  - { id: everything, start: "2026-03-10T02:00", end: "2026-03-10T03:00" }
  - { id: empty, start: "2026-03-10T02:00", end: "2026-03-10T03:00", services: [api], matchers: [{ label: team, value: "" }] }
  - { id: loose, start: "2026-03-10T02:00", end: "2026-03-10T03:00", matchers: [{ label: service, op: "!=", value: db }] }
  - { id: both, start: "2026-03-10T02:00", end: "2026-03-10T03:00", services: [api], all_incidents: true }
silences:
  - { id: s1, matchers: [{ label: check, value: "" }], starts: "2026-03-04T00:00:00Z", ends: "2026-03-05T00:00:00Z", created_by: ana, comment: flaky }
  - { id: s2, matchers: [{ label: check, op: "=~", value: ".*" }], starts: "2026-03-04T00:00:00Z", ends: "2026-03-05T00:00:00Z", created_by: ana, comment: flaky }
`);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => [i.path, i.line, i.message.replace(/:.*/, '')])).toEqual([
      ['maintenance[0]', 5, 'maintenance[0] holds the notifications of every incident'],
      ['maintenance[1].matchers[0].value', 6, 'value must not be empty'],
      ['maintenance[2]', 7, 'maintenance[2] holds the notifications of every incident'],
      ['maintenance[3].all_incidents', 8, 'all_incidents is true, but the window\'s services or matchers narrow it'],
      ['silences[0].matchers[0].value', 10, 'value must not be empty'],
      ['silences[1]', 11, 'silences[1] needs at least one matcher an incident without that label fails (such as service="api")'],
    ]);
  });

  it('takes a window that says all_incidents, and the explicit absent and present forms', async () => {
    const r = await load('scope-ok.yaml', `
maintenance:
  - { id: everything, start: "2026-03-10T02:00", end: "2026-03-10T03:00", all_incidents: true }
silences:
  - { id: s1, matchers: [{ label: check, value: queue }, { label: team, op: "!~", value: ".+" }], starts: "2026-03-04T00:00:00Z", ends: "2026-03-05T00:00:00Z", created_by: ana, comment: flaky }
`);
    expect(r.ok && r.config.maintenance.map((w) => w.id)).toEqual(['everything']);
  });
});
