/**
 * The demo directory (`npm start`): its files merge in the order its comment gives, ops.yaml first;
 * no live config is named like a test file; opsbook's self-check does not page on a busy machine;
 * email pages reach the mail sink the demo starts; a schedule with named people and an SLO give the
 * On call and Report pages something to show.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { listConfigFiles } from '../../src/config/source.js';
import { loadOpsConfig } from '../../src/daemon/config.js';
import { SystemClock } from '../../src/lib/clock.js';
import { sendTestNotification, sendThroughChannel } from '../../src/notify/index.js';
import { REPO_ROOT } from '../support/cli.js';
import { freePort } from '../support/net.js';

const DEMO = path.join(REPO_ROOT, 'examples/demo');

interface MailSinkModule {
  DEMO_MAIL_PORT: number;
  startMailSink(o: { port: number; quiet?: boolean; onMail?: (m: { to: string[]; subject: string; links: Array<{ label: string; url: string }> }) => void }): Promise<{ close(): Promise<void> }>;
}
// Plain JavaScript that `npm start` runs with node; loaded by path.
const sinkModule = (): Promise<MailSinkModule> => import(path.join(DEMO, 'mail-sink.js')) as Promise<MailSinkModule>;

async function demoConfig() {
  const loaded = await loadOpsConfig(DEMO, { env: {} });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  return loaded.config;
}

describe('the demo config', () => {
  it('names every check and service, so the overview reads in words, not ids', async () => {
    const config = await demoConfig();
    expect(config.checks.filter((c) => !c.name).map((c) => c.id)).toEqual([]);
    expect(config.services.filter((s) => !s.name).map((s) => s.id)).toEqual([]);
  });

  it('merges its files in the order its comment says, ops.yaml first', async () => {
    const listed = await listConfigFiles(DEMO);
    if ('error' in listed) throw new Error(listed.error);
    const order = listed.files.map((f) => path.basename(f));
    expect(order[0]).toBe('ops.yaml');
    const comment = /files merge in name order: ([^)]+)\)/.exec(fs.readFileSync(path.join(DEMO, 'ops.yaml'), 'utf8'))?.[1];
    expect(comment?.split(/,\s*(?:then\s+)?/).map((s) => s.trim())).toEqual(order);
    expect((await demoConfig()).checks[0]!.id).toBe('demo-queue');
  });

  it('names no live config file like a test', () => {
    expect(fs.readdirSync(DEMO).filter((f) => /\.ya?ml$/.test(f) && /test/i.test(f))).toEqual([]);
  });

  it('checks opsbook itself without paging on a slow answer or one flap', async () => {
    const self = (await demoConfig()).checks.find((c) => c.id === 'opsbook-ready')!;
    expect((self.conditions ?? []).join(' ')).not.toContain('RESPONSE_TIME');
    expect(self.failure_threshold).toBeGreaterThanOrEqual(3);
    expect(self.success_threshold).toBeGreaterThanOrEqual(2);
  });

  it('has a schedule of named people and an SLO', async () => {
    const config = await demoConfig();
    const users = new Set(config.users.map((u) => u.name));
    expect(config.schedules.length).toBeGreaterThan(0);
    const people = config.schedules.flatMap((s) => s.layers.flatMap((l) => l.users));
    expect(people.length).toBeGreaterThan(1);
    for (const p of people) expect(users.has(p)).toBe(true);
    expect(config.slos.length).toBeGreaterThan(0);
  });

  it('sends email to the mail sink the demo starts', async () => {
    const { DEMO_MAIL_PORT, startMailSink } = await sinkModule();
    const config = await demoConfig();
    const email = config.channels.find((c) => c.kind === 'email')!;
    expect(email).toMatchObject({ smtp: { host: '127.0.0.1', port: DEMO_MAIL_PORT } });
    expect(fs.readFileSync(path.join(DEMO, 'start.js'), 'utf8')).toContain('mail-sink.js');
    const port = await freePort();
    const received: Array<{ to: string[]; subject: string }> = [];
    const sink = await startMailSink({ port, quiet: true, onMail: (m) => received.push(m) });
    onTestFinished(() => sink.close());
    const channel = { ...email, smtp: { ...(email as { smtp: object }).smtp, port } } as typeof email;
    const { outcome } = await sendTestNotification(channel, { clock: new SystemClock(), publicUrl: 'http://127.0.0.1:4100' });
    expect(outcome.ok, JSON.stringify(outcome)).toBe(true);
    expect(received).toHaveLength(1);
    expect(received[0]!.subject).toMatch(/\S/);
  });

  it('shows a page’s subject as written (folded, encoded) and the links to answer it from', async () => {
    const { startMailSink } = await sinkModule();
    const email = (await demoConfig()).channels.find((c) => c.kind === 'email')!;
    const port = await freePort();
    const received: Array<{ to: string[]; subject: string; links: Array<{ label: string; url: string }> }> = [];
    const sink = await startMailSink({ port, quiet: true, onMail: (m) => received.push(m) });
    onTestFinished(() => sink.close());
    const channel = { ...email, smtp: { ...(email as { smtp: object }).smtp, port } } as typeof email;
    const base = 'http://127.0.0.1:4100';
    // The SLO's own title: long, with "×", so the subject is folded over several encoded words.
    const title = 'Demo service availability: error budget burning 50.0× over 6h and 50.0× over 30m (alert at 6×: 21% of the budget in 6h)';
    const outcome = await sendThroughChannel(
      {
        id: 'msg_demo1', createdAt: Date.now(), attempt: 1,
        notification: {
          channelId: email.id, event: 'incident.triggered', recipient: { user: 'demo-responder', address: 'responder@demo.invalid' },
          incident: { id: 'inc_demo1', title, severity: 'P2', status: 'triggered', url: `${base}/incidents/inc_demo1`, runbook: 'runbooks/demo.md#demo-service-down', runbookUrl: `${base}/runbooks/view?file=runbooks%2Fdemo.md#proc-demo-service-down` },
        },
        links: { acknowledge: `${base}/a/${'a'.repeat(150)}.sig-ack`, resolve: `${base}/a/${'r'.repeat(150)}.sig-res` },
      },
      channel,
      { clock: new SystemClock(), signal: new AbortController().signal },
    );
    expect(outcome.ok, JSON.stringify(outcome)).toBe(true);
    expect(received).toHaveLength(1);
    expect(received[0]!.subject).toBe(`[P2] Triggered: ${title}`);
    expect(received[0]!.links).toEqual([
      { label: 'Open the incident', url: `${base}/incidents/inc_demo1` },
      { label: 'Open the runbook', url: `${base}/runbooks/view?file=runbooks%2Fdemo.md#proc-demo-service-down` },
      { label: 'Acknowledge', url: `${base}/a/${'a'.repeat(150)}.sig-ack` },
      { label: 'Resolve', url: `${base}/a/${'r'.repeat(150)}.sig-res` },
    ]);
  });
});
