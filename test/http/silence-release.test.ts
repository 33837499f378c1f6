/**
 * Ending a silence early releases what it held: an incident opened while a silence covered it gets
 * its page once the silence is expired, through the API and through the Maintenance page alike.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/daemon/index.js';
import { apiTokens, startDaemonApp, type DaemonApp } from '../support/daemon-app.js';

let server: DaemonApp;
let daemon: Daemon;
let app: FastifyInstance;
let token: Record<string, string>;

const CONFIG = `users:
  - { name: ana, role: responder }
  - { name: adm, role: admin }
services:
  - { id: web }
channels:
  - { id: hook, kind: webhook, url: "http://127.0.0.1:9/hook", secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] }
`;

beforeAll(async () => {
  server = await startDaemonApp('silence-release', { 'ops.yaml': CONFIG });
  ({ daemon, app } = server);
  token = await apiTokens(daemon, 'adm', ['ana', 'adm']);
});
afterAll(async () => {
  await server?.close();
});

async function call<T = Record<string, unknown>>(method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown): Promise<{ status: number; json: T }> {
  const res = await app.inject({ method, url, headers: { authorization: `Bearer ${token.ana}` }, ...(body !== undefined ? { payload: body as object } : {}) });
  return { status: res.statusCode, json: res.json() as T };
}

async function timeline(id: string): Promise<string[]> {
  return (await call<{ timeline: Array<{ text: string }> }>('GET', `/api/incidents/${id}/timeline`)).json.timeline.map((e) => e.text);
}

describe('expiring a silence', () => {
  it('sends the page the silence held back', async () => {
    const silence = await call<{ id: string }>('POST', '/api/silences', { matchers: [{ label: 'service', value: 'web' }], ends_at: daemon.clock.now() + 3_600_000, comment: 'deploy' });
    expect(silence.status).toBe(201);
    const incident = await call<{ id: string }>('POST', '/api/incidents', { title: 'Web is slow', severity: 'P2', service: 'web' });
    expect(incident.status).toBe(201);
    expect(await timeline(incident.json.id)).not.toContain('triggered update sent to channel hook');
    expect((await call('DELETE', `/api/silences/${silence.json.id}`)).status).toBe(200);
    expect(await timeline(incident.json.id)).toContain('triggered update sent to channel hook');
  });
});
