/**
 * Acknowledge links follow `server.public_url` across a config reload: a page sent after the
 * reload points at the new address.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiTokens, startDaemonApp, type DaemonApp } from '../support/daemon-app.js';

const links: string[] = [];
let receiver: http.Server;
let server: DaemonApp;
let token: string;
let config: (url: string) => string;

beforeAll(async () => {
  receiver = http.createServer((q, s) => {
    let raw = '';
    q.on('data', (c: Buffer) => (raw += c.toString()));
    q.on('end', () => {
      const ack = (JSON.parse(raw) as { data: { links?: { acknowledge?: string } } }).data.links?.acknowledge;
      if (ack) links.push(ack);
      s.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const port = (receiver.address() as AddressInfo).port;
  config = (url) => `server:
  public_url: ${url}
users:
  - { name: ana, role: responder }
channels:
  - { id: hook, kind: webhook, url: "http://127.0.0.1:${port}/page", secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] }
`;
  server = await startDaemonApp('links-reload', { 'ops.yaml': config('https://before.example.com') });
  token = (await apiTokens(server.daemon, 'ana', ['ana'])).ana!;
});
afterAll(async () => {
  await server?.close();
  receiver?.close();
});

async function page(title: string): Promise<string> {
  const before = links.length;
  const res = await server.app.inject({ method: 'POST', url: '/api/incidents', headers: { authorization: `Bearer ${token}` }, payload: { title, severity: 'P2' } });
  expect(res.statusCode, res.body).toBe(201);
  for (let t0 = Date.now(); links.length === before; ) {
    if (Date.now() - t0 > 20_000) throw new Error('no page arrived');
    await new Promise((r) => setTimeout(r, 20));
  }
  return links.at(-1)!;
}

describe('acknowledge links and a reload', () => {
  it('point at the public_url in force when the page is sent', async () => {
    expect(await page('first')).toMatch(/^https:\/\/before\.example\.com\/a\//);
    fs.writeFileSync(path.join(server.dir, 'ops.yaml'), config('https://after.example.com'));
    expect(await server.daemon.reload()).toBe(true);
    expect(await page('second')).toMatch(/^https:\/\/after\.example\.com\/a\//);
  });
});
