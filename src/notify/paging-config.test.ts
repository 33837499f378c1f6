/**
 * Paging config on every load: a contact kind no configured channel serves is a located error (it
 * used to validate and then page nobody), as are rules naming a contact the person lacks and step
 * severities that do not exist; a full paging config loads into the engine model.
 */
import { describe, expect, it } from 'vitest';
import { configLoader } from '../../test/support/config.js';

const load = configLoader('opsbook-paging-config');

const CHANNELS = `channels:
  - { id: sms, kind: twilio, base_url: "http://127.0.0.1:9/twilio", account_sid: AC123, auth_token: tok, from: "+15005550006" }
  - { id: push, kind: ntfy, server: "http://127.0.0.1:9" }
`;

describe('paging config', () => {
  it('names the line of a contact that no configured channel can serve', async () => {
    const r = await load(
      'unserved.yaml',
      `users:
  - name: ann
    contact:
      - { kind: sms, address: "+15551230001" }
      - { kind: phone, address: "+15551230001" }
      - { kind: webhook, address: "https://hooks.example.com/ann" }
`,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => `${i.path}:${i.line} ${i.code} ${i.message}`)).toEqual([
      "users[0].contact[0].kind:4 OPSBOOK_E_CONFIG_REFERENCE ann's sms contact needs a channel of kind twilio, and channels: has none",
      "users[0].contact[1].kind:5 OPSBOOK_E_CONFIG_REFERENCE ann's phone contact needs a channel of kind twilio, and channels: has none",
      "users[0].contact[2].kind:6 OPSBOOK_E_CONFIG_REFERENCE ann's webhook contact needs a channel of kind webhook, and channels: has none",
    ]);
  });

  it('names a person an escalation step pages, directly or through a schedule, who has no way to be reached', async () => {
    const r = await load(
      'unreachable.yaml',
      `${CHANNELS}users:
  - { name: ann, contact: [{ kind: sms, address: "+15551230001" }] }
  - { name: bob }
  - { name: cy }
  - { name: dee, email: dee@example.com }
schedules:
  - id: primary
    layers:
      - { users: [ann, cy], rotation: { length: 1w, start: 2026-01-05 } }
escalation_policies:
  - id: default
    steps:
      - { targets: [{ schedule: primary }], timeout: 15m }
      - { targets: [{ user: bob }, { user: dee }], timeout: 15m }
`,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => `${i.path}:${i.line} ${i.code} ${i.message}`)).toEqual([
      'escalation_policies[0].steps[0].targets[0].schedule:16 OPSBOOK_E_CONFIG_REFERENCE schedule primary pages cy, who has no email and no contact: methods, so a page on their shift would reach nobody',
      'escalation_policies[0].steps[1].targets[0].user:17 OPSBOOK_E_CONFIG_REFERENCE bob is paged here but has no email and no contact: methods, so the page would reach nobody',
    ]);
  });

  it('names rules that use a contact the person does not have, and unknown step severities', async () => {
    const r = await load(
      'rules.yaml',
      `${CHANNELS}users:
  - name: ann
    contact: [{ kind: sms, address: "+15551230001" }]
    notification_rules:
      high:
        - { after: 0m, via: [push] }
        - { after: 5m, via: [sms] }
escalation_policies:
  - id: default
    steps:
      - { targets: [{ user: ann }], timeout: 15m, severities: [P9] }
`,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => `${i.path}:${i.line} ${i.code} ${i.message}`)).toEqual([
      'users[0].notification_rules.high[0].via[0]:9 OPSBOOK_E_CONFIG_REFERENCE ann has no ntfy or webpush contact for this rule',
      'escalation_policies[0].steps[0].severities[0]:14 OPSBOOK_E_CONFIG_REFERENCE severity "P9" is not defined in severities:',
    ]);
  });

  it('refuses a timed step with a timeout, and a chain step without one', async () => {
    const r = await load(
      'timed.yaml',
      `users: [{ name: ann }]
escalation_policies:
  - id: default
    steps:
      - { targets: [{ user: ann }] }
      - { targets: [{ user: ann }], after_open: 1h, timeout: 1h }
`,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => `${i.path}:${i.line} ${i.message}`)).toEqual([
      'escalation_policies[0].steps[0].timeout:5 timeout is required (or after_open for a timed step)',
      'escalation_policies[0].steps[1].timeout:6 timeout is not taken by a timed step (after_open)',
    ]);
  });

  it('loads rules, conditional steps and the new channel kinds into the engine model', async () => {
    const r = await load(
      'ok.yaml',
      `${CHANNELS}users:
  - name: ann
    contact:
      - { kind: ntfy, address: ann-pages }
      - { kind: sms, address: "+15551230001" }
      - { kind: voice, address: "+15551230001" }
    notification_rules:
      high:
        - { via: [push] }
        - { after: 5m, via: [sms] }
        - { after: 10m, via: [voice] }
  - { name: vp, email: vp@example.com }
escalation_policies:
  - id: default
    steps:
      - { targets: [{ user: ann }], timeout: 15m }
      - { targets: [{ user: vp }], after_open: 1h, severities: [P1] }
`,
    );
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.config.users[0]!.notification_rules?.high?.map((x) => [x.after, x.via])).toEqual([
      [0, ['push']],
      [300_000, ['sms']],
      [600_000, ['voice']],
    ]);
    expect(r.config.escalation_policies[0]!.steps[1]).toEqual({ targets: [{ user: 'vp' }], timeoutMs: 0, severities: ['P1'], afterOpenMs: 3_600_000 });
    expect(r.config.channels.map((c) => c.kind)).toEqual(['twilio', 'ntfy']);
  });
});
