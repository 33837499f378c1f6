/**
 * What a page tells the person it wakes, before they sign in anywhere: when the incident opened (in
 * UTC, said so) and the runbook the incident links, with a link to read it. The incident carried its
 * runbook to the outbox, but neither the email nor Slack showed it, and neither said when it began.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { configDir } from '../../config/test-support.js';
import type { Incident } from '../../incidents/index.js';
import { renderEmail } from '../../notify/channels/email/render.js';
import { renderSlackPayload } from '../../notify/channels/slack/render.js';
import type { OutboundMessage } from '../../notify/index.js';
import { notificationIncident } from './paging.js';

const OPENED = Date.UTC(2026, 2, 2, 3, 14, 27);

async function pageOf(runbook: string | undefined): Promise<OutboundMessage> {
  const { dir, cleanup } = await configDir({ 'ops.yaml': 'server:\n  public_url: https://ops.example.com\n' });
  try {
    const loaded = await loadConfig(dir);
    if (!loaded.ok) throw new Error(loaded.issues.map((i) => i.message).join('; '));
    const incident: Incident = {
      id: 'inc_1', title: 'Demo queue depth is critical', state: 'triggered', severity: 'P1', service: 'demo', source: 'alert',
      openedAt: OPENED, updatedAt: OPENED, labels: {}, createdBy: 'system:alerts', reopened: 0, ...(runbook ? { runbook } : {}),
    };
    return {
      id: 'msg_1', createdAt: OPENED, attempt: 1,
      notification: { channelId: 'ops-email', event: 'incident.triggered', incident: notificationIncident(loaded.config, incident) },
      links: { acknowledge: 'https://ops.example.com/a/ack', resolve: 'https://ops.example.com/a/res' },
    };
  } finally {
    await cleanup();
  }
}

describe('a page’s facts', () => {
  it('the email says when the incident opened, in UTC, and links its runbook', async () => {
    const email = renderEmail(await pageOf('runbooks/demo.md#queue-backlog'));
    expect(email.text).toContain('Opened: 2026-03-02 03:14 UTC\nRunbook: runbooks/demo.md#queue-backlog\n');
    expect(email.text).toContain('Open the runbook: https://ops.example.com/runbooks/view?file=runbooks%2Fdemo.md#proc-queue-backlog\n');
    expect(email.html).toContain('<th align="left">Opened</th><td>2026-03-02 03:14 UTC</td>');
    expect(email.html).toContain('<a href="https://ops.example.com/runbooks/view?file=runbooks%2Fdemo.md#proc-queue-backlog">Open the runbook</a>');
  });

  it('a runbook that is a web address is linked as it is; no runbook, no runbook line', async () => {
    expect(renderEmail(await pageOf('https://wiki.example.com/queue')).text).toContain('Open the runbook: https://wiki.example.com/queue\n');
    const bare = renderEmail(await pageOf(undefined)).text;
    expect(bare).not.toMatch(/Runbook|runbook:/);
    expect(bare).toContain('Opened: 2026-03-02 03:14 UTC');
  });

  it('Slack shows the opening in each reader’s zone (UTC as the fallback) and links the runbook', async () => {
    const payload = renderSlackPayload(await pageOf('runbooks/demo.md#queue-backlog')) as { blocks: Array<{ type: string; fields?: Array<{ text: string }> }> };
    const fields = payload.blocks.find((b) => b.fields)!.fields!.map((f) => f.text);
    expect(fields).toContain(`*Opened:* <!date^${OPENED / 1000}^{date_short_pretty} {time}|2026-03-02 03:14 UTC>`);
    expect(fields).toContain('*Runbook:* <https://ops.example.com/runbooks/view?file=runbooks%2Fdemo.md#proc-queue-backlog|runbooks/demo.md#queue-backlog>');
  });
});
