/**
 * Every channel of every game-day world reaches a loopback peer: each example's ops.yaml, loaded
 * with the world's `${GAMEDAY_…}` values, delivers a test notification through each of its channels
 * (signed webhook to the receiver, Slack, Twilio SMS/voice, PagerDuty Events v2 and SMTP to the world's peers). A channel
 * that names a host outside the world fails here, as it would fail — and open a failing-channel
 * incident — in a game day. The Twilio peer checks the account as Twilio does, the PagerDuty peer the
 * integration key and the event as the Events API does.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOpsConfig } from '../../src/daemon/config.js';
import { channelPeersEnv, startChannelPeers, type ChannelPeers } from '../../src/gameday/peers.js';
import { startReceiver, type WebhookReceiver } from '../../src/gameday/receiver.js';
import { SystemClock } from '../../src/lib/clock.js';
import { sendThroughChannel } from '../../src/notify/channels/index.js';
import { testNotification } from '../../src/notify/test-send.js';
import type { ChannelConfig } from '../../src/config/schema/channels.js';
import { placeholderEnv, REPO } from '../seeds/coverage.js';

const clock = new SystemClock();
let peers: ChannelPeers;
let receiver: WebhookReceiver;

beforeAll(async () => {
  peers = await startChannelPeers(clock);
  receiver = await startReceiver(clock);
});
afterAll(async () => {
  await peers?.close();
  await receiver?.close();
});

// Twilio and email channels page people: the page carries the person's contact, as the escalation's would.
const RECIPIENT: Partial<Record<ChannelConfig['kind'], { user: string; address: string; contact: string }>> = {
  twilio: { user: 'on-call', address: '+15550000401', contact: 'voice' },
  email: { user: 'on-call', address: 'on-call@example.com', contact: 'email' },
};

async function page(channel: ChannelConfig) {
  const recipient = RECIPIENT[channel.kind];
  const notification = { ...testNotification(channel.id, 'http://127.0.0.1:9'), ...(recipient ? { recipient } : {}) };
  return sendThroughChannel({ id: `msg-${channel.id}`, createdAt: clock.now(), attempt: 1, notification, links: {} }, channel, { clock, signal: new AbortController().signal });
}

const systems = readdirSync(join(REPO, 'examples')).filter((d) => existsSync(join(REPO, 'examples', d, 'gameday.yaml')));

describe('the game-day worlds’ channels', () => {
  it.each(systems)('%s: every channel delivers to a loopback peer', async (system) => {
    const file = join(REPO, 'examples', system, 'ops.yaml');
    const env = {
      ...placeholderEnv(readFileSync(file, 'utf8')),
      GAMEDAY_WEBHOOK_URL: receiver.url,
      GAMEDAY_WEBHOOK_SECRET: receiver.secret,
      ...channelPeersEnv(peers),
    };
    const loaded = await loadOpsConfig(file, { env });
    if (!loaded.ok) throw new Error(loaded.issues.map((i) => `${i.message} → ${i.path}`).join('; '));
    expect(loaded.config.channels.length).toBeGreaterThan(0);
    for (const channel of loaded.config.channels) {
      const outcome = await page(channel);
      expect(outcome, `${system} channel ${channel.id} (${channel.kind})`).toMatchObject({ ok: true });
    }
    expect(peers.refused).toEqual([]);
    expect(receiver.rejected).toEqual([]);
  });

  it('the Twilio peer refuses an account it does not know', async () => {
    const before = peers.accepted.length;
    const outcome = await page({ id: 'phone', kind: 'twilio', base_url: peers.twilioUrl, account_sid: peers.twilioSid, auth_token: 'not-the-token', from: '+15550000000', timeout: 5_000 } as ChannelConfig);
    expect(outcome.ok).toBe(false);
    expect(peers.accepted.length).toBe(before);
    expect(peers.refused.at(-1)).toMatch(/bad account or basic auth/);
  });

  it('the PagerDuty peer takes a trigger with the integration key and refuses another key', async () => {
    const channel = { id: 'pd', kind: 'pagerduty', routing_key: peers.pagerDutyRoutingKey, events_url: peers.pagerDutyUrl, source: 'opsbook', severities: { P1: 'critical' }, webhook_secrets: [], timeout: 5_000 } as unknown as ChannelConfig;
    const before = peers.accepted.length;
    expect(await page(channel)).toMatchObject({ ok: true });
    const got = peers.accepted.slice(before);
    expect(got.map((m) => [m.channel, m.to])).toEqual([['pagerduty', 'trigger']]);
    expect(JSON.parse(got[0]!.text)).toMatchObject({ routing_key: peers.pagerDutyRoutingKey, payload: { source: 'opsbook' } });
    const refused = await page({ ...channel, routing_key: 'not-the-integration-key' } as ChannelConfig);
    expect(refused.ok).toBe(false);
    expect(peers.accepted.length).toBe(before + 1);
    expect(peers.refused.at(-1)).toMatch(/routing_key is not the integration key/);
  });
});
