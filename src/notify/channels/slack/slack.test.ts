import { afterEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../../lib/clock.js';
import type { OutboundMessage } from '../../types.js';
import { channel, startReceiver, type Receiver } from '../../test-support.js';
import { slackChannel } from './index.js';

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

const message: OutboundMessage = {
  id: 'msg_slack',
  createdAt: Date.UTC(2026, 0, 1),
  attempt: 1,
  notification: {
    channelId: 'ops-slack',
    event: 'incident.escalated',
    incident: {
      id: 'inc_7',
      title: 'Queue depth > 1000 <jobs>',
      severity: 'sev2',
      status: 'triggered',
      url: 'https://ops.example.com/incidents/inc_7',
      service: 'api',
      summary: 'BullMQ waiting jobs at 1,400 & rising',
    },
    recipient: { user: 'ana', address: 'U024BE7LH' },
  },
  links: { acknowledge: 'https://ops.example.com/a/ack', resolve: 'https://ops.example.com/a/res' },
};

interface Block {
  type: string;
  text?: { type: string; text: string };
  fields?: Array<{ type: string; text: string }>;
  elements?: Array<Record<string, unknown>>;
}

describe('slack channel', () => {
  it('posts Block Kit with acknowledge, resolve and open buttons as links', async () => {
    receiver = await startReceiver(() => ({ status: 200, body: 'ok' }));
    const ch = channel({ id: 'ops-slack', kind: 'slack', webhook_url: receiver.url });
    expect(await slackChannel.send(message, ch, { clock: new SystemClock(), signal: new AbortController().signal })).toMatchObject({ ok: true, status: 200 });

    const req = receiver.requests[0]!;
    expect(req.headers['content-type']).toBe('application/json');
    const payload = JSON.parse(req.body) as { text: string; blocks: Block[] };
    expect(payload.text).toContain('<@U024BE7LH>');
    expect(payload.text).toContain('[SEV2] Escalated: Queue depth &gt; 1000 &lt;jobs&gt;');
    const [header, fields, summary, context, actions] = payload.blocks;
    expect(header).toMatchObject({ type: 'header', text: { type: 'plain_text', text: '[SEV2] Escalated: Queue depth > 1000 <jobs>' } });
    expect(fields!.fields!.map((f) => f.text)).toEqual([
      '*Severity:* sev2',
      '*Status:* triggered',
      '*Service:* api',
      '*Incident:* <https://ops.example.com/incidents/inc_7|inc_7>',
    ]);
    expect(summary!.text!.text).toBe('BullMQ waiting jobs at 1,400 &amp; rising');
    expect(context).toMatchObject({ type: 'context', elements: [{ type: 'mrkdwn', text: 'Paging <@U024BE7LH>' }] });
    expect(actions!.type).toBe('actions');
    expect(actions!.elements!.map((e) => [e.action_id, e.url])).toEqual([
      ['acknowledge', 'https://ops.example.com/a/ack'],
      ['resolve', 'https://ops.example.com/a/res'],
      ['open', 'https://ops.example.com/incidents/inc_7'],
    ]);
  });

  it('leaves the buttons out that do not apply and dead-letters Slack’s permanent refusals', async () => {
    receiver = await startReceiver(() => ({ status: 404, body: 'no_service' }));
    const ch = channel({ id: 'ops-slack', kind: 'slack', webhook_url: receiver.url });
    const resolved: OutboundMessage = { ...message, notification: { ...message.notification, event: 'incident.resolved', recipient: undefined }, links: {} };
    const outcome = await slackChannel.send(resolved, ch, { clock: new SystemClock(), signal: new AbortController().signal });
    expect(outcome).toMatchObject({ ok: false, retryable: false, status: 404, error: 'HTTP 404: no_service' });
    const payload = JSON.parse(receiver.requests[0]!.body) as { blocks: Block[] };
    const actions = payload.blocks.find((b) => b.type === 'actions')!;
    expect(actions.elements!.map((e) => e.action_id)).toEqual(['open']);
    expect(payload.blocks.some((b) => b.type === 'context')).toBe(false);
  });
});
