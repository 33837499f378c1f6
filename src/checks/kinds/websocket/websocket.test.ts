/** websocket kind against a real `ws` server on loopback that checks Origin and a session cookie, like Django Channels. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configLoader } from '../../../../test/support/config.js';
import { freePort } from '../../../../test/support/net.js';
import { startStallServer, type StallServer } from '../../../../test/support/stall.js';
import { runConfig } from '../../testing/index.js';
import { scaled } from '../../../../test/support/timing.js';

const load = configLoader('opsbook-websocket');

/** Waits (generously) until the stalling peer has seen every client connection closed. */
async function closedByClient(stall: StallServer): Promise<number> {
  for (const end = Date.now() + scaled(10_000); stall.open() > 0 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 50));
  return stall.open();
}

describe('websocket kind', () => {
  let server: http.Server;
  let base: string;
  let stall: StallServer;
  beforeAll(async () => {
    server = http.createServer((_req, res) => res.end('plain page'));
    const wss = new WebSocketServer({ noServer: true, handleProtocols: (p) => (p.has('v2.app') ? 'v2.app' : false) });
    server.on('upgrade', (req, socket, head) => {
      if (req.url === '/plain') return void socket.end('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n');
      // Channels' AllowedHostsOriginValidator and AuthMiddlewareStack answer 403 before the upgrade.
      if (req.headers.origin !== 'https://app.example.test' || !/sessionid=good/.test(req.headers.cookie ?? '')) {
        return void socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n');
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        if (req.url === '/ws/notifications/') ws.send(JSON.stringify({ type: 'hello', unread: 3 }));
        ws.on('message', (data) => ws.send(String(data) === 'ping' ? JSON.stringify({ type: 'pong' }) : String(data)));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
    stall = await startStallServer();
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await stall.close();
  });
  const auth = { headers: { Origin: 'https://app.example.test', Cookie: 'sessionid=good' } };

  it('upgrades, sends a message and reads the reply', async () => {
    const r = await runConfig({ kind: 'websocket', url: `${base}/ws/echo/`, ...auth, send: 'ping', protocols: ['v2.app'], conditions: ['[STATUS] == 101', '[BODY].type == pong', '[PROTOCOL] == v2.app'] });
    expect(r.conditions.filter((c) => !c.ok)).toEqual([]);
    expect(r.status).toBe('up');
  });

  it('reads the message a consumer sends on connect, and a wrong value fails with what it saw', async () => {
    const r = await runConfig({ kind: 'websocket', url: `${base}/ws/notifications/`, ...auth, receive: true, conditions: ['[BODY].type == hello', '[BODY].unread == 0'] });
    expect(r.status).toBe('down');
    expect(r.conditions[1]).toMatchObject({ ok: false, actual: '3' });
  });

  it('reports a refused upgrade with its HTTP status', async () => {
    const r = await runConfig({ kind: 'websocket', url: `${base}/ws/echo/`, headers: { Origin: 'https://evil.example' }, conditions: ['[STATUS] == 101'] });
    expect(r.status).toBe('down');
    expect(r.conditions[0]).toMatchObject({ ok: false, actual: '403' });
    expect(r.error).toBe('upgrade refused with HTTP 403');
  });

  it('is down when nothing listens', async () => {
    const r = await runConfig({ kind: 'websocket', url: `ws://127.0.0.1:${await freePort()}/` });
    expect(r).toMatchObject({ status: 'down', conditions: [{ ok: false, actual: 'false' }] });
    expect(r.error).toMatch(/ECONNREFUSED/);
  });

  it('times out on a server that accepts and never answers the upgrade', async () => {
    const r = await runConfig({ kind: 'websocket', url: `ws://127.0.0.1:${stall.port}/`, timeout: '300ms' });
    expect(r).toMatchObject({ status: 'down', error: 'timeout after 300ms' });
    expect(await closedByClient(stall)).toBe(0);
  });

  it('times out waiting for a reply that never comes', async () => {
    const r = await runConfig({ kind: 'websocket', url: `${base}/ws/echo/`, ...auth, receive: true, timeout: '300ms' });
    expect(r).toMatchObject({ status: 'down', error: 'timeout after 300ms' });
  });

  it('rejects bad options with their place in the file', async () => {
    const r = await load('ops.yaml', `checks:
  - id: notifications
    kind: websocket
    url: https://app.example.com/ws/
    protocols: ["has space"]
`);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const seen = r.issues.map((i) => [i.path, i.line]);
    expect(seen).toContainEqual(['checks[0].url', 4]);
    expect(seen).toContainEqual(['checks[0].protocols[0]', 5]);
  });
});
