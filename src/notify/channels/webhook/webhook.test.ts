import { afterEach, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { SystemClock } from '../../../lib/clock.js';
import type { OutboundMessage } from '../../types.js';
import { channel, startReceiver, testSecret, type Receiver, type ReplyFn } from '../../test-support.js';
import { signWebhook, webhookChannel } from './index.js';

const clock = new SystemClock();
const ctx = { clock, signal: new AbortController().signal };
let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

function message(id = 'msg_01test'): OutboundMessage {
  return {
    id,
    createdAt: Date.UTC(2026, 0, 1),
    attempt: 1,
    notification: {
      channelId: 'ops-hook',
      event: 'incident.triggered',
      incident: { id: 'inc_1', title: 'API 5xx above 5%', severity: 'sev1', status: 'triggered', url: 'https://ops.example.com/incidents/inc_1' },
    },
    links: { acknowledge: 'https://ops.example.com/a/tok1', resolve: 'https://ops.example.com/a/tok2' },
  };
}

describe('webhook channel', () => {
  it('signs per Standard Webhooks: the receiver verifies with the standardwebhooks library', async () => {
    receiver = await startReceiver();
    const secret = testSecret(1);
    const ch = channel({ id: 'ops-hook', kind: 'webhook', url: receiver.url, secrets: [secret], headers: { authorization: 'Bearer t' } });
    const ok = await webhookChannel.send(message(), ch, ctx);
    expect(ok).toMatchObject({ ok: true, status: 200 });
    const req = receiver.requests[0]!;
    expect(req.headers['webhook-id']).toBe('msg_01test');
    expect(req.headers['authorization']).toBe('Bearer t');
    const payload = new Webhook(secret).verify(req.body, req.headers as Record<string, string>) as { type: string; data: { incident: { id: string }; links: object } };
    expect(payload.type).toBe('incident.triggered');
    expect(payload.data.incident.id).toBe('inc_1');
    expect(payload.data.links).toEqual({ acknowledge: 'https://ops.example.com/a/tok1', resolve: 'https://ops.example.com/a/tok2' });
    expect(() => new Webhook(testSecret(9)).verify(req.body, req.headers as Record<string, string>)).toThrow(/No matching signature/);
  });

  it('signs as the standardwebhooks library does, for any id, instant and body', () => {
    const bodies = ['', '{}', '{"a":"ünïcode ✓","b":[1,2,3]}', 'x'.repeat(5000)];
    for (const [i, body] of bodies.entries()) {
      const secret = testSecret(i + 3);
      const at = new Date(Date.UTC(2026, 0, 1) + i * 1234567);
      expect(signWebhook([secret], `msg_${i}`, at, body)).toBe(new Webhook(secret).sign(`msg_${i}`, at, body));
    }
  });

  it('sends one signature per key during a rotation: receivers with the old or the new key both verify', async () => {
    receiver = await startReceiver();
    const [next, old] = [testSecret(2), testSecret(3)];
    const ch = channel({ id: 'ops-hook', kind: 'webhook', url: receiver.url, secrets: [next, old] });
    await webhookChannel.send(message(), ch, ctx);
    const req = receiver.requests[0]!;
    expect(String(req.headers['webhook-signature']).split(' ')).toHaveLength(2);
    for (const key of [next, old]) expect(new Webhook(key).verify(req.body, req.headers as Record<string, string>)).toBeTruthy();
  });

  it('sends the same id and body on a retry, with that attempt’s timestamp', async () => {
    receiver = await startReceiver();
    const ch = channel({ id: 'ops-hook', kind: 'webhook', url: receiver.url, secrets: [testSecret(4)] });
    await webhookChannel.send(message('msg_same'), ch, ctx);
    await webhookChannel.send({ ...message('msg_same'), attempt: 2 }, ch, ctx);
    const [a, b] = receiver.requests;
    expect(a!.headers['webhook-id']).toBe(b!.headers['webhook-id']);
    expect(a!.body).toBe(b!.body);
  });

  it('sorts answers: 5xx, 429 (with Retry-After) and timeouts retry; other 4xx are permanent', async () => {
    const answers: Array<ReturnType<ReplyFn>> = [
      { status: 503, body: 'down' },
      { status: 429, headers: { 'retry-after': '7' } },
      { status: 404, body: 'no such hook' },
      { status: 200, delayMs: 2_000 },
      { status: 301, headers: { location: 'http://elsewhere' } },
    ];
    receiver = await startReceiver((_r, i) => answers[i]!);
    // Only the answer that comes after 2 s meets the short timeout: on a loaded machine a prompt
    // answer can take longer than 200 ms to arrive, so the other sends wait generously.
    const ch = channel({ id: 'ops-hook', kind: 'webhook', url: receiver.url, secrets: [testSecret(5)], timeout: '60s' });
    const short = channel({ id: 'ops-hook', kind: 'webhook', url: receiver.url, secrets: [testSecret(5)], timeout: '200ms' });
    const send = (c = ch) => webhookChannel.send(message(), c, ctx);
    expect(await send()).toMatchObject({ ok: false, retryable: true, status: 503, error: 'HTTP 503: down' });
    expect(await send()).toMatchObject({ ok: false, retryable: true, status: 429, retryAfterMs: 7000 });
    expect(await send()).toMatchObject({ ok: false, retryable: false, status: 404, error: 'HTTP 404: no such hook' });
    expect(await send(short)).toMatchObject({ ok: false, retryable: true, error: 'timed out after 200ms' });
    expect(await send()).toMatchObject({ ok: false, retryable: false, status: 301 });
  });

  it('treats a refused connection as retryable', async () => {
    receiver = await startReceiver();
    const url = receiver.url;
    await receiver.close();
    receiver = undefined;
    const ch = channel({ id: 'ops-hook', kind: 'webhook', url, secrets: [testSecret(6)] });
    expect(await webhookChannel.send(message(), ch, ctx)).toMatchObject({ ok: false, retryable: true, error: expect.stringContaining('ECONNREFUSED') });
  });
});
