/**
 * The socket faults of an HTTP stand-in: a loopback TCP proxy in front of a real HTTP server makes
 * it slow, reset, stalled or refused; the http check kind sees each, and forwarding again mends it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConfig } from '../../../src/checks/testing/index.js';
import { startTcpProxy, type TcpProxy } from '../../../src/gameday/faults/socket-proxy.js';

describe('socket faults in front of an HTTP stand-in', () => {
  let server: http.Server;
  let proxy: TcpProxy;
  const url = (): string => `http://${proxy.address}/health`;
  beforeAll(async () => {
    server = http.createServer((_q, s) => s.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    proxy = await startTcpProxy({ host: '127.0.0.1', port: (server.address() as AddressInfo).port });
  });
  afterAll(async () => {
    await proxy.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('forwards while healthy', async () => {
    expect((await runConfig({ kind: 'http', url: url() })).status).toBe('up');
  });

  it('slow: the first byte of the reply is held back; RESPONSE_TIME shows it', async () => {
    await proxy.setMode({ slow: 400 });
    const r = await runConfig({ kind: 'http', url: url(), conditions: ['[STATUS] == 200', '[RESPONSE_TIME] < 300'] });
    expect(r.status).toBe('down');
    expect(r.latencyMs).toBeGreaterThanOrEqual(400);
    await proxy.setMode('forward');
    expect((await runConfig({ kind: 'http', url: url(), conditions: ['[STATUS] == 200'] })).status).toBe('up');
  });

  it('reset, stall and refuse each fail the probe with their own error; forward mends', async () => {
    await proxy.setMode('reset');
    const reset = await runConfig({ kind: 'http', url: url() });
    expect(reset.status).toBe('down');
    expect(reset.error).toMatch(/ECONNRESET|socket hang up|reset/i);
    await proxy.setMode('stall');
    const stalled = await runConfig({ kind: 'http', url: url(), timeout: '500ms' });
    expect(stalled.status).toBe('down');
    expect(stalled.error).toMatch(/timeout/i);
    await proxy.setMode('refuse');
    await proxy.setMode('refuse');
    const refused = await runConfig({ kind: 'http', url: url() });
    expect(refused.status).toBe('down');
    expect(refused.error).toMatch(/ECONNREFUSED|refused/i);
    await proxy.setMode('forward');
    await proxy.setMode('forward');
    expect((await runConfig({ kind: 'http', url: url() })).status).toBe('up');
  });
});
