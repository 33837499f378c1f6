/**
 * Slack interactivity against the real route of a real daemon: an opsbook message posted to a
 * loopback incoming webhook carries buttons that post back (no links); a press signed with the
 * app's signing secret acknowledges (then resolves) the incident as the opsbook user linked to the
 * Slack member, and the message is replaced in place through its response_url, naming who acted.
 * A stale timestamp, a bad signature and an unlinked Slack user are refused and change nothing;
 * the unlinked user is told so. "Run diagnosis" runs the procedure's read-only diagnosis step only.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/daemon/index.js';
import { slackSignature } from '../../src/notify/index.js';
import { startReceiver, type Receiver } from '../../src/notify/test-support.js';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { scaled } from '../support/timing.js';

const KEY = 'k'.repeat(40);
const SIGNING = '8f742231b10e8888abcd99yyyzzz85a5';
const RUNBOOK = `# DiskFull

## Diagnosis

\`\`\`bash
df -h /
\`\`\`

## Resolution

\`\`\`bash
rm -rf /var/tmp/opsbook-never-run
\`\`\`
`;

let server: DaemonApp;
let daemon: Daemon;
let app: FastifyInstance;
let slack: Receiver;
let responses: Receiver;

beforeAll(async () => {
  slack = await startReceiver(() => ({ status: 200, body: 'ok' }));
  responses = await startReceiver(() => ({ status: 200, body: 'ok' }));
  server = await startDaemonApp('slack', {
    'ops.yaml': `server:
  public_url: http://opsbook.test
users:
  - { name: ana, role: responder, contact: [{ kind: slack, address: U0ANA0001 }] }
  - { name: vic, role: viewer, contact: [{ kind: slack, address: U0VIC0001 }] }
integrations:
  - { id: prom, kind: alertmanager, key: ${KEY} }
channels:
  - { id: ops-slack, kind: slack, webhook_url: "${slack.url}", signing_secret: ${SIGNING} }
escalation_policies:
  - id: default
    steps:
      - { targets: [{ channel: ops-slack }], timeout: 1h }
services:
  - { id: storage, shell: { allow: [df] } }
runbooks:
  files: [runbooks/*.md]
`,
    'runbooks/disk.md': RUNBOOK,
  });
  ({ daemon, app } = server);
});
afterAll(async () => {
  await server?.close();
  await slack?.close();
  await responses?.close();
});

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = scaled(30_000)): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; responses: ${responses.requests.map((r) => r.body.slice(0, 300)).join(" | ")}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function fire(name: string, annotations: Record<string, string> = {}, labels: Record<string, string> = {}): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/ingest/alertmanager',
    headers: { authorization: `Bearer ${KEY}` },
    payload: { version: '4', groupKey: name, receiver: 'opsbook', status: 'firing', alerts: [{ status: 'firing', labels: { alertname: name, severity: 'critical', ...labels }, annotations: { summary: name, ...annotations }, startsAt: new Date().toISOString() }] },
  });
  expect(res.statusCode).toBe(200);
  return (res.json() as { incidents: string[] }).incidents[0]!;
}

interface Block {
  type: string;
  elements?: Array<{ action_id?: string; value?: string; url?: string; text?: string | { text: string } }>;
}

/** The message Slack received for the incident, and its buttons. */
async function posted(id: string): Promise<{ blocks: Block[]; buttons: NonNullable<Block['elements']> }> {
  const req = await until('the Slack message', () => slack.requests.find((r) => r.body.includes(id)));
  const blocks = (JSON.parse(req.body) as { blocks: Block[] }).blocks;
  return { blocks, buttons: blocks.find((b) => b.type === 'actions')!.elements! };
}

/** Slack's block_actions request for a button, form-encoded and signed as Slack signs it. */
function press(button: { action_id?: string; value?: string }, user: string, opts: { ts?: number; secret?: string; responsePath?: string } = {}) {
  const payload = {
    type: 'block_actions',
    user: { id: user, username: user.toLowerCase(), team_id: 'T0001' },
    api_app_id: 'A0001',
    container: { type: 'message', message_ts: '1700000000.000100', channel_id: 'C0001', is_ephemeral: false },
    channel: { id: 'C0001', name: 'ops' },
    response_url: responses.url.replace(/\/hook$/, opts.responsePath ?? '/actions/T0001/1/abc'),
    actions: [{ type: 'button', action_id: button.action_id, block_id: 'b1', value: button.value, action_ts: '1700000001.000200' }],
  };
  const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const ts = String(opts.ts ?? Math.floor(Date.now() / 1000));
  return app.inject({
    method: 'POST',
    url: '/api/integrations/slack/ops-slack',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': slackSignature(opts.secret ?? SIGNING, ts, body) },
    payload: body,
  });
}

const state = async (id: string) => (await daemon.operations!.incidents.get(id)).state;

describe('Slack interactive buttons', () => {
  it('acknowledges and resolves from the message, which is replaced in place with who acted', async () => {
    const id = await fire('QueueDepth');
    const { buttons } = await posted(id);
    expect(buttons.map((b) => b.action_id)).toEqual(['acknowledge', 'resolve', 'open']);
    expect(buttons.filter((b) => b.action_id !== 'open').every((b) => b.url === undefined && JSON.parse(b.value!).i === id)).toBe(true);

    const ack = await press(buttons[0]!, 'U0ANA0001', { responsePath: '/actions/ack' });
    expect(ack.statusCode).toBe(200);
    expect(ack.json()).toMatchObject({ ok: true, incident: id, state: 'acknowledged' });
    expect(await state(id)).toBe('acknowledged');
    const update = await until('the message update', () => responses.requests.find((r) => r.body.includes(id) && r.body.includes('Acknowledged by ana')));
    const replaced = JSON.parse(update.body) as { replace_original: boolean; blocks: Block[] };
    expect(replaced.replace_original).toBe(true);
    expect(replaced.blocks.find((b) => b.type === 'actions')!.elements!.map((e) => e.action_id)).toEqual(['resolve', 'open']);
    const timeline = await daemon.operations!.incidents.timeline(id);
    expect(timeline.some((t) => t.actor === 'ana' && t.text.includes('acknowledged: from Slack'))).toBe(true);

    const res = await press(buttons[1]!, 'U0ANA0001');
    expect(res.json()).toMatchObject({ ok: true, state: 'resolved' });
    const resolved = await until('the resolved update', () => responses.requests.find((r) => r.body.includes('Resolved by ana from Slack')));
    expect((JSON.parse(resolved.body) as { blocks: Block[] }).blocks.find((b) => b.type === 'actions')!.elements!.map((e) => e.action_id)).toEqual(['open']);
  });

  it('refuses a stale timestamp, a bad signature and an unlinked or viewer Slack user, and changes nothing', async () => {
    const id = await fire('CpuHigh');
    const { buttons } = await posted(id);
    const stale = await press(buttons[0]!, 'U0ANA0001', { ts: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(stale.statusCode).toBe(401);
    expect(stale.json()).toMatchObject({ error: { code: 'OPSBOOK_E_WEBHOOK_SIGNATURE', message: expect.stringContaining('5 minutes') } });
    const forged = await press(buttons[0]!, 'U0ANA0001', { secret: 'not-the-signing-secret' });
    expect(forged.statusCode).toBe(401);
    expect(forged.json()).toMatchObject({ error: { code: 'OPSBOOK_E_WEBHOOK_SIGNATURE', message: expect.stringContaining('does not match') } });

    const before = responses.requests.length;
    const stranger = await press(buttons[0]!, 'U0EVE0001', { responsePath: '/actions/eve' });
    expect(stranger.statusCode).toBe(200);
    expect(stranger.json()).toMatchObject({ ok: false, refused: expect.stringContaining('U0EVE0001 is not linked to an opsbook user') });
    const told = await until('the refusal', () => responses.requests.slice(before).find((r) => r.body.includes('U0EVE0001')));
    expect(JSON.parse(told.body)).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    const viewer = await press(buttons[0]!, 'U0VIC0001');
    expect(viewer.json()).toMatchObject({ ok: false, refused: expect.stringContaining('vic (viewer) may not') });
    expect(await state(id)).toBe('triggered');
  });

  it('runs the read-only diagnosis step of the incident’s procedure, never a write', async () => {
    const id = await fire('DiskFull', { runbook: 'runbooks/disk.md#diskfull' }, { service: 'storage' });
    expect((await daemon.operations!.incidents.get(id)).runbook).toBe('runbooks/disk.md#diskfull');
    const { buttons } = await posted(id);
    const diagnose = buttons.find((b) => b.action_id === 'diagnose')!;
    expect(diagnose).toBeDefined();
    expect((await press(diagnose, 'U0ANA0001')).json()).toMatchObject({ ok: true, incident: id });
    const out = await until('the diagnosis output', () => responses.requests.find((r) => r.body.includes('Diagnosis step')));
    const text = (JSON.parse(out.body) as { text: string }).text;
    expect(text).toContain('run by ana: *ok*');
    expect(text).toContain('$ df -h /');
    const executions = await daemon.executions!.listExecutions({ incidentId: id });
    expect(executions).toHaveLength(1);
    const transcript = await daemon.executions!.transcript(executions[0]!.id);
    expect(transcript.map((e) => [e.text, e.status, e.actor])).toEqual([['df -h /', 'ok', 'ana']]);
  });
});
