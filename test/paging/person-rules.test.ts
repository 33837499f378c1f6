/**
 * A person's notification rules end to end, on a simulated clock with real providers on loopback:
 * ann is paged by ntfy push at 0 min, SMS at 5 and a voice call at 10 (each provider checks what
 * it checks: basic auth and form fields, bearer token, topic and headers); a forged key press is
 * refused; pressing 1 (a signed callback) acknowledges, and nothing more is sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/lib/clock.js';
import { twilioSignature } from '../../src/notify/index.js';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { ntfyStandIn, twilioStandIn, type Provider } from './providers.js';
import { scaled } from '../support/timing.js';

const MINUTE = 60_000;
const PUBLIC = 'http://opsbook.test:8080';

describe('per-person notification rules through Twilio-compatible SMS/voice and ntfy', () => {
  let server: DaemonApp;
  let clock: SimulatedClock;
  let twilio: Provider;
  let ntfy: Provider;

  beforeAll(async () => {
    twilio = await twilioStandIn('AC0123', 'twilio-token');
    ntfy = await ntfyStandIn('ntfy-token');
    clock = new SimulatedClock(Date.UTC(2026, 2, 2, 10));
    server = await startDaemonApp(
      'person-rules',
      {
        'ops.yaml': `server:
  public_url: ${PUBLIC}
users:
  - name: ann
    role: responder
    contact:
      - { kind: ntfy, address: ann-pages }
      - { kind: sms, address: "+15551230001" }
      - { kind: voice, address: "+15551230001" }
    notification_rules:
      high:
        - { after: 0m, via: [push] }
        - { after: 5m, via: [sms] }
        - { after: 10m, via: [voice] }
channels:
  - { id: phone, kind: twilio, base_url: "${twilio.url}", account_sid: AC0123, auth_token: twilio-token, from: "+15005550006" }
  - { id: push, kind: ntfy, server: "${ntfy.url}", token: ntfy-token }
escalation_policies:
  - id: default
    steps:
      - { targets: [{ user: ann }], timeout: 1h }
`,
      },
      { clock },
    );
  });
  afterAll(async () => {
    await server?.close();
    await twilio?.close();
    await ntfy?.close();
  });

  // Each step waits for the pipeline and for the pages it set off: a send still in flight when the
  // clock moved on was counted missing, or, its claim run out on the moved clock, sent twice.
  const settled = async () => {
    await server.daemon.operations!.settle(scaled(2_000));
    await server.daemon.operations!.outbox.idle();
  };
  const advance = async (ms: number) => {
    for (let done = 0; done < ms; done += 30_000) await clock.advance(Math.min(30_000, ms - done), settled);
    await settled();
  };
  const sent = () => [
    ...ntfy.accepted.map(() => 'push'),
    ...twilio.accepted.map((r) => (r.path.endsWith('/Calls.json') ? 'voice' : 'sms')),
  ];

  it('pushes at 0, texts at 5, calls at 10; a signed "1" acknowledges and stops the rules', async () => {
    const ops = server.daemon.operations!;
    const opened = await ops.createIncident({ title: 'Payments API down', severity: 'P1', service: 'api' }, { name: 'ann', role: 'responder', via: 'token' });
    const t0 = clock.now();
    await advance(MINUTE);
    expect(sent()).toEqual(['push']);
    const push = ntfy.accepted[0]!;
    expect(push.path).toBe('/ann-pages');
    expect(push.headers.authorization).toBe('Bearer ntfy-token');
    expect(push.headers.priority).toBe('5');
    expect(push.headers.title).toBe('[P1] Triggered: Payments API down');
    expect(push.headers.click).toBe(`${PUBLIC}/incidents/${opened.id}`);
    expect(push.headers.actions).toMatch(new RegExp(`^view, Acknowledge, ${PUBLIC}/a/[^,]+, clear=true; view, Resolve, ${PUBLIC}/a/[^,]+, clear=true$`));

    await advance(t0 + 5 * MINUTE - clock.now() - 1);
    expect(sent()).toEqual(['push']);
    await advance(MINUTE);
    expect(sent()).toEqual(['push', 'sms']);
    const sms = twilio.accepted[0]!;
    expect(sms.path).toBe('/2010-04-01/Accounts/AC0123/Messages.json');
    expect(sms.form).toMatchObject({ To: '+15551230001', From: '+15005550006' });
    expect(sms.form.Body).toContain('Payments API down');
    expect(sms.form.Body).toMatch(new RegExp(`Ack: ${PUBLIC}/a/\\S+`));

    await advance(t0 + 10 * MINUTE - clock.now() + 30_000);
    expect(sent()).toEqual(['push', 'sms', 'voice']);
    const call = twilio.accepted[1]!;
    expect(call.path).toBe('/2010-04-01/Accounts/AC0123/Calls.json');
    const action = /action="([^"]+)"/.exec(call.form.Twiml!)![1]!.replace(/&amp;/g, '&');
    expect(call.form.Twiml).toContain('Payments API down');
    expect(call.form.Twiml).toContain('Press 1 to acknowledge');
    expect(action).toMatch(new RegExp(`^${PUBLIC}/a/[^/]+/voice\\?channel=phone$`));
    expect(twilio.refused).toEqual([]);
    expect(ntfy.refused).toEqual([]);

    // The provider posts the key press to the callback, signed with the account's auth token.
    const press = (digits: string, signature: string) =>
      server.app.inject({
        method: 'POST',
        url: action.slice(PUBLIC.length),
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
        payload: new URLSearchParams({ AccountSid: 'AC0123', CallSid: 'CA1', Digits: digits }).toString(),
      });
    const params = { AccountSid: 'AC0123', CallSid: 'CA1', Digits: '1' };
    const forged = await press('1', twilioSignature('wrong-token', action, params));
    expect(forged.statusCode).toBe(401);
    expect((await ops.incidents.get(opened.id)).state).toBe('triggered');
    const two = await press('2', twilioSignature('twilio-token', action, { ...params, Digits: '2' }));
    expect(two.statusCode).toBe(200);
    expect((await ops.incidents.get(opened.id)).state).toBe('triggered');
    const one = await press('1', twilioSignature('twilio-token', action, params));
    expect(one.statusCode).toBe(200);
    expect(one.headers['content-type']).toMatch(/^text\/xml/);
    expect(one.body).toContain('<Say>Acknowledged');
    expect((await ops.incidents.get(opened.id)).state).toBe('acknowledged');

    await advance(2 * 60 * MINUTE);
    expect(sent()).toEqual(['push', 'sms', 'voice']);
  });
});
