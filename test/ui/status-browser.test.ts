/**
 * The public status page in Debian's Chromium, as a responder and a member of the public use it: an
 * unpublished incident is not on `/status`; a person publishes it from the Status page form and it
 * appears; after resolve it stays in the history; the 9-minute P1 (with 9 minutes of failed checks)
 * turns that day's bar non-green; a reader subscribes on the page, confirms through the link mailed
 * to a real SMTP peer, receives an update written on the form, and unsubscribes through the mailed
 * link. Screenshots, light and dark at 1366 and 390 px, go to test-results/screens/status-*.
 */
import fs from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setUserPassword } from '../../src/http/sessions/index.js';
import { incidentReader } from '../../src/http/ui/data/incidents.js';
import { SimulatedClock } from '../../src/lib/clock.js';
import { insertResults } from '../../src/store/index.js';
import { chromiumPresent, fullPageShot, inEachView, launchChromium, signInOnPage } from '../support/browser.js';
import { REPO_ROOT } from '../support/cli.js';
import { listenOnLoopback, startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { startSmtpPeer, unQuotedPrintable, type SmtpPeer } from '../support/smtp-peer.js';
import { scaled } from '../support/timing.js';
import { PASSWORD, TEST_COST } from './support.js';

const present = chromiumPresent('the status page browser test');
const SCREENS = path.join(REPO_ROOT, 'test-results', 'screens');
const MIN = 60_000;
const HIDDEN_TITLE = 'TITLE-internal-checkout-db-4412';
const READER = 'reader@example.net';
const admin = { name: 'ada', role: 'admin' as const, via: 'cli' as const };
// 10:00 UTC on a weekday; the P1 opens now and is resolved 9 minutes later.
const START = Date.parse('2026-05-20T10:00:00Z');

let smtp: SmtpPeer;
let target: net.Server;
let ui: DaemonApp;
let base: string;
let browser: Browser;
let staff: Page;
let reader: BrowserContext;
const clock = new SimulatedClock(START);

async function until<T>(what: string, probe: () => T | undefined): Promise<T> {
  const end = Date.now() + scaled(30_000);
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const mailsToReader = () => smtp.mails.filter((m) => m.to.includes(READER)).map((m) => unQuotedPrintable(m.raw));

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describe.skipIf(!present)('the status page in a browser', () => {
  beforeAll(async () => {
    fs.mkdirSync(SCREENS, { recursive: true });
    smtp = await startSmtpPeer();
    target = net.createServer((s) => s.end());
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const port = await freePort();
    ui = await startDaemonApp('status-ui', {
      'ops.yaml': `server: { public_url: "http://127.0.0.1:${port}" }
users:
  - { name: ada, role: admin }
services:
  - { id: web, name: Web internal name }
  - { id: opsbook, name: opsbook itself }
checks:
  - { kind: tcp, id: web-port, service: web, host: 127.0.0.1, port: ${(target.address() as AddressInfo).port}, interval: 30s }
channels:
  - kind: email
    id: public-mail
    smtp: { host: 127.0.0.1, port: ${smtp.port} }
    from: "Shop status <status@example.org>"
status_page:
  title: Shop status
  services: [{ service: web, name: Web shop }]
  subscribers: { channel: public-mail }
`,
    }, { clock, operations: true });
    await setUserPassword({ store: ui.daemon.store, clock: ui.daemon.clock, users: ui.daemon.config.users }, admin, 'ada', PASSWORD, TEST_COST);
    base = await listenOnLoopback(ui.app, port);
    browser = await launchChromium();
    staff = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    reader = await browser.newContext({ viewport: { width: 390, height: 800 } });
  });

  afterAll(async () => {
    await browser?.close();
    await ui?.close();
    await smtp?.close();
    await new Promise<void>((resolve) => (target ? target.close(() => resolve()) : resolve()));
  });

  it('publishes, updates and keeps an incident; a reader subscribes, gets the update by mail and unsubscribes', async () => {
    const incidents = incidentReader(ui.daemon);
    const { incident } = await incidents.create({ title: HIDDEN_TITLE, severity: 'P1', service: 'web' }, admin);

    // Unpublished: not on the public page.
    const pub = await reader.newPage();
    await pub.goto(`${base}/status`);
    expect(await pub.locator('h1').textContent()).toBe('Shop status');
    expect(await pub.content()).not.toContain(incident.id);
    expect(await pub.content()).not.toContain(HIDDEN_TITLE);
    expect(await pub.getByRole('heading', { name: 'Active incidents' }).count()).toBe(0);
    expect(await pub.getByText('opsbook itself').count()).toBe(0);

    // A reader subscribes and confirms through the mailed link.
    await pub.getByLabel('Email').fill(READER);
    await pub.getByRole('button', { name: 'Subscribe' }).click();
    await pub.getByRole('heading', { name: 'Check your mail' }).waitFor();
    const confirmation = await until('the confirmation mail', () => mailsToReader()[0]);
    const confirmLink = /http:\/\/127\.0\.0\.1:\d+\/status\/confirm\?token=[A-Za-z0-9_-]+/.exec(confirmation)?.[0];
    expect(confirmLink).toBeDefined();
    await pub.goto(confirmLink!);
    await pub.getByRole('button', { name: 'Confirm' }).click();
    await pub.getByRole('heading', { name: 'Subscribed' }).waitFor();

    // A person publishes it from the Status page form.
    await staff.goto(`${base}/login`);
    await signInOnPage(staff, base, 'ada', PASSWORD);
    await staff.goto(`${base}/status/publish`);
    await staff.getByLabel('Public title').fill('Checkout is failing');
    await staff.getByLabel('First update').fill('Payments fail for some customers; we are on it.');
    await staff.getByRole('button', { name: 'Publish' }).click();
    await staff.waitForURL(/\/status\/publish#h-published$/);

    await pub.goto(`${base}/status`);
    await pub.getByRole('heading', { name: 'Active incidents' }).waitFor();
    expect(await pub.locator(`article[data-incident="${incident.id}"] h3`).textContent()).toBe('Checkout is failing');
    expect(await pub.content()).not.toContain(HIDDEN_TITLE);

    // An update written on the form reaches the confirmed reader, with an unsubscribe link.
    await staff.getByLabel('State').selectOption('identified');
    await staff.getByLabel('Update for the public').fill('A payment provider is slow; we are switching.');
    await staff.getByRole('button', { name: 'Post update' }).click();
    await staff.waitForURL(/\/status\/publish#h-published$/);
    const update = await until('the update mail', () => mailsToReader().find((m) => m.includes('A payment provider is slow')));
    expect(update).toContain('Subject: [Identified] Checkout is failing');
    expect(update).not.toContain(HIDDEN_TITLE);

    // Nine minutes of failed checks, then the P1 is resolved: it stays in the history, today's bar is not green.
    const results = [];
    for (let t = START - 30 * MIN, n = 0; t < START + 9 * MIN; t += 30_000, n++) results.push({ checkId: 'web-port', at: t, down: t >= START, level: 0 as const, latencyMs: 2 });
    await insertResults(ui.daemon.store.db, results, START + 9 * MIN);
    await clock.advance(9 * MIN);
    await incidents.resolve(incident.id, admin);
    await pub.goto(`${base}/status`);
    expect(await pub.getByRole('heading', { name: 'Active incidents' }).count()).toBe(0);
    expect(await pub.locator(`article.incident-resolved[data-incident="${incident.id}"] h3`).textContent()).toBe('Checkout is failing');
    const today = new Date(START).toISOString().slice(0, 10);
    const bar = pub.locator(`[data-day="${today}"]`).first();
    expect(await bar.getAttribute('data-state')).not.toBe('ok');
    expect(await bar.getAttribute('data-state')).not.toBe('none');

    const shot = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    await shot.goto(`${base}/status`);
    await inEachView(shot, async (scheme, width) => {
      await fullPageShot(shot, path.join(SCREENS, `status-${scheme}-${width}.png`));
    });
    await shot.close();

    // The reader unsubscribes through the link in the mail; the next update is not sent to them.
    const unsubscribe = /http:\/\/127\.0\.0\.1:\d+\/status\/unsubscribe\?token=[A-Za-z0-9_-]+/.exec(update)?.[0];
    expect(unsubscribe).toBeDefined();
    await pub.goto(unsubscribe!);
    await pub.getByRole('button', { name: 'Unsubscribe' }).click();
    await pub.getByRole('heading', { name: 'Unsubscribed' }).waitFor();
    await staff.goto(`${base}/status/publish`);
    await staff.getByLabel('Update for the public').fill('Checkout is back to normal.');
    await staff.getByRole('button', { name: 'Post update' }).click();
    await staff.waitForURL(/\/status\/publish#h-published$/);
    const queued = await ui.daemon.store.db.selectFrom('outbox').select('payload').where('event', '=', 'status.update').execute();
    expect(queued.filter((r) => r.payload.includes('Checkout is back to normal.') && r.payload.includes(READER))).toHaveLength(0);
    expect(mailsToReader().filter((m) => m.includes('Checkout is back to normal.'))).toHaveLength(0);
  });
});
