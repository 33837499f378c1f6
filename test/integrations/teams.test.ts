/**
 * Microsoft Teams through a workflow webhook, on a real daemon: the incident's page reaches a
 * loopback stand-in of the workflow endpoint (202, as Power Automate answers) as a message with one
 * Adaptive Card 1.4 attachment whose buttons are Action.OpenUrl to the signed acknowledge and
 * resolve links (no Action.Submit: workflow webhooks cannot run it); opening the acknowledge link
 * shows a button, and posting it acknowledges the incident.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/daemon/index.js';
import { startReceiver, type Receiver } from '../../src/notify/test-support.js';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { scaled } from '../support/timing.js';
import { adaptiveCardProblems } from '../support/adaptive-card.js';
import { renderTeamsCard } from '../../src/notify/channels/teams/render.js';

const KEY = 'k'.repeat(40);

let server: DaemonApp;
let daemon: Daemon;
let app: FastifyInstance;
let teams: Receiver;

beforeAll(async () => {
  teams = await startReceiver(() => ({ status: 202 }));
  server = await startDaemonApp('teams', {
    'ops.yaml': `server:
  public_url: http://opsbook.test
integrations:
  - { id: prom, kind: alertmanager, key: ${KEY} }
channels:
  - { id: ops-teams, kind: teams, webhook_url: "${teams.url}" }
escalation_policies:
  - id: default
    steps:
      - { targets: [{ channel: ops-teams }], timeout: 1h }
`,
  });
  ({ daemon, app } = server);
});
afterAll(async () => {
  await server?.close();
  await teams?.close();
});

interface Card {
  type: string;
  version: string;
  body: Array<{ type: string; text?: string; facts?: Array<{ title: string; value: string }> }>;
  actions: Array<{ type: string; title: string; url: string }>;
}

describe('Teams workflow webhook', () => {
  it('posts an Adaptive Card whose OpenUrl buttons are working signed links', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/ingest/alertmanager',
      headers: { authorization: `Bearer ${KEY}` },
      payload: { version: '4', groupKey: 'g', receiver: 'opsbook', status: 'firing', alerts: [{ status: 'firing', labels: { alertname: 'ApiDown', severity: 'critical', service: 'api' }, annotations: { summary: 'API is down' }, startsAt: new Date().toISOString() }] },
    });
    const id = (res.json() as { incidents: string[] }).incidents[0]!;
    await teams.waitFor(1, scaled(30_000));
    const message = JSON.parse(teams.requests[0]!.body) as { type: string; attachments: Array<{ contentType: string; contentUrl: null; content: Card }> };
    expect(message.type).toBe('message');
    expect(message.attachments).toHaveLength(1);
    const { contentType, content: card } = message.attachments[0]!;
    expect(contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    expect(card.body[0]!.text).toBe('[P1] Triggered: API is down');
    expect(card.body[1]!.facts).toEqual(expect.arrayContaining([{ title: 'Incident', value: id }, { title: 'Service', value: 'api' }]));
    expect(card.actions.map((a) => [a.type, a.title])).toEqual([
      ['Action.OpenUrl', 'Acknowledge'],
      ['Action.OpenUrl', 'Resolve'],
      ['Action.OpenUrl', 'Open incident'],
    ]);
    expect(JSON.stringify(card)).not.toContain('Action.Submit');
    // Read by Microsoft's renderer at the version the card declares: nothing unknown, nothing missing.
    expect(adaptiveCardProblems(card)).toEqual([]);

    const ack = card.actions[0]!.url;
    expect(ack.startsWith('http://opsbook.test/a/')).toBe(true);
    const path = new URL(ack).pathname;
    const page = await app.inject({ method: 'GET', url: path });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<form method="post">');
    expect((await daemon.operations!.incidents.get(id)).state).toBe('triggered'); // opening the link did nothing
    const done = await app.inject({ method: 'POST', url: path, headers: { accept: 'application/json' } });
    expect(done.json()).toMatchObject({ incident: id, state: 'acknowledged', already: false });
  });
});

describe('the Adaptive Card check', () => {
  const message = (links: { acknowledge?: string; resolve?: string }) =>
    renderTeamsCard({
      id: 'msg_1', createdAt: 0, attempt: 1, links,
      notification: { channelId: 't', event: 'incident.triggered', incident: { id: 'inc_1', title: 'Down', severity: 'P1', status: 'triggered', url: 'http://x/i', summary: 's' } },
    }) as { attachments: Array<{ content: Record<string, unknown> }> };

  it('passes every card the channel renders, with or without action links', () => {
    expect(adaptiveCardProblems(message({ acknowledge: 'http://x/a/1', resolve: 'http://x/a/2' }).attachments[0]!.content)).toEqual([]);
    expect(adaptiveCardProblems(message({}).attachments[0]!.content)).toEqual([]);
  });

  it('catches what the declared version does not allow', () => {
    const card = message({ acknowledge: 'http://x/a/1' }).attachments[0]!.content;
    expect(adaptiveCardProblems({ ...card, body: [{ type: 'Table', columns: [] }] })).toEqual([expect.stringMatching(/^UnknownElementType: .*"Table"/)]);
    expect(adaptiveCardProblems({ ...card, actions: [{ type: 'Action.OpenUrl', title: 'Ack', url: 'http://x', role: 'Button' }] })).toEqual([expect.stringMatching(/^UnsupportedProperty: .*"role".*1\.6.*1\.4/)]);
    expect(adaptiveCardProblems({ ...card, actions: [{ type: 'Action.OpenUrl', title: 'Ack' }] })).toEqual([expect.stringMatching(/^PropertyCantBeNull: .*"url"/)]);
    expect(adaptiveCardProblems({ ...card, version: '9.9' })).toEqual(['version 9.9 is not one the renderer knows']);
  });
});
