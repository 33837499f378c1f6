/**
 * A change between a page's rendering and the start of its live stream is not lost. The overview
 * renders its open-incidents list (none), an incident opens, then the page's stream starts: it sends
 * the fresh list at once, since the page's copy is older. A stream started with the current list's
 * mark sends nothing about it. One daemon on SQLite, its app on a loopback port.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, serveUi, type ServedUi } from './support.js';
import { scaled } from '../support/timing.js';

const ana = { name: 'ana', role: 'admin' as const, via: 'session' as const };

/** Reads the event stream for up to `ms` and answers the events received. */
function readStream(url: string, cookie: string, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { cookie, accept: 'text/event-stream' } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      setTimeout(() => {
        req.destroy();
        resolve(body);
      }, ms);
    });
    req.on('error', (e) => (e.message === 'socket hang up' ? undefined : reject(e)));
  });
}

describe('the live stream of a page rendered before a change', () => {
  let ui: ServedUi;
  let cookie: string;
  beforeAll(async () => {
    ui = await serveUi('live-stream-start', { 'ops.yaml': 'users:\n  - { name: ana, role: admin }\nservices:\n  - { id: orders }\n' }, 'ana');
    cookie = (await signIn(ui.app, 'ana')).cookie;
  }, scaled(60_000));
  afterAll(async () => ui?.close(), scaled(60_000));

  const markOnOverview = async () => {
    const page = await ui.app.inject({ url: '/', headers: { cookie } });
    expect(page.statusCode).toBe(200);
    return /data-live="incidents:open" data-live-mark="([0-9a-f]+)"/.exec(page.body)![1]!;
  };

  it('sends the fresh open-incidents list at the start of the stream when it changed since the page', async () => {
    const rendered = await markOnOverview();
    await ui.daemon.operations!.createIncident({ title: 'Orders down', severity: 'P1', service: 'orders' }, ana);
    const events = await readStream(`${ui.base}/ui/events?open=${rendered}`, cookie, scaled(2_000));
    expect(events).toMatch(/event: incidents\ndata: .*Orders down/);

    const current = await markOnOverview();
    expect(current).not.toBe(rendered);
    expect(await readStream(`${ui.base}/ui/events?open=${current}`, cookie, scaled(1_000))).not.toMatch(/event: incidents\n/);
  }, scaled(60_000));
});
