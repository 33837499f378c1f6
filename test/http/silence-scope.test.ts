/**
 * A silence must name what it silences. `service=""` matches every incident WITHOUT the label (as in
 * Alertmanager), and a silence whose every matcher an unlabelled incident satisfies would hold the
 * pages of every such incident: both are refused, through opsbook's API and Alertmanager's alike,
 * with the field named.
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
`;

beforeAll(async () => {
  server = await startDaemonApp('silence-scope', { 'ops.yaml': CONFIG });
  ({ daemon, app } = server);
  token = await apiTokens(daemon, 'adm', ['ana', 'adm']);
});
afterAll(async () => {
  await server?.close();
});

interface Answer { status: number; json: { error?: { code?: string; message?: string; path?: string } } & Record<string, unknown> }
async function call(method: 'GET' | 'POST', url: string, body?: unknown): Promise<Answer> {
  const res = await app.inject({ method, url, headers: { authorization: `Bearer ${token.ana}` }, ...(body !== undefined ? { payload: body as object } : {}) });
  return { status: res.statusCode, json: res.json() as Answer['json'] };
}
const hour = () => daemon.clock.now() + 3_600_000;
const silence = (matchers: unknown[]) => call('POST', '/api/silences', { matchers, ends_at: hour(), comment: 'deploy' });

describe('POST /api/silences', () => {
  it('refuses an empty value for = and != and names the matcher', async () => {
    for (const op of ['=', '!=']) {
      const r = await silence([{ label: 'service', op, value: 'web' }, { label: 'team', op, value: '' }]);
      expect(r.status, JSON.stringify(r.json)).toBe(400);
      expect(r.json.error).toMatchObject({ code: 'OPSBOOK_E_SILENCE_INVALID', path: 'body.matchers[1].value' });
      expect(r.json.error!.message).toMatch(/empty/);
    }
  });

  it('refuses a silence every matcher of which an incident without those labels passes', async () => {
    for (const matchers of [[{ label: 'service', op: '=~', value: '.*' }], [{ label: 'service', op: '!=', value: 'db' }], [{ label: 'service', op: '!~', value: '.+' }]]) {
      const r = await silence(matchers);
      expect(r.status, JSON.stringify(r.json)).toBe(400);
      expect(r.json.error).toMatchObject({ code: 'OPSBOOK_E_SILENCE_INVALID', path: 'body.matchers' });
    }
    expect((await call('GET', '/api/silences')).json.silences).toEqual([]);
  });

  it('takes the explicit forms beside a matcher that names a value', async () => {
    const r = await silence([{ label: 'service', value: 'web' }, { label: 'team', op: '!~', value: '.+' }, { label: 'region', op: '=~', value: '.+' }]);
    expect(r.status, JSON.stringify(r.json)).toBe(201);
  });
});

describe('POST /api/v2/silences (Alertmanager)', () => {
  const am = (matchers: unknown[]) =>
    call('POST', '/api/v2/silences', { matchers, startsAt: new Date(daemon.clock.now()).toISOString(), endsAt: new Date(hour()).toISOString(), createdBy: 'ana', comment: 'quiet' });

  it('refuses name="" and a silence that matches every unlabelled incident', async () => {
    const empty = await am([{ name: 'service', value: '', isRegex: false, isEqual: true }]);
    expect(empty.status, JSON.stringify(empty.json)).toBe(400);
    expect(empty.json.error).toMatchObject({ code: 'OPSBOOK_E_SILENCE_INVALID', path: 'body.matchers[0].value' });
    const all = await am([{ name: 'service', value: '.*', isRegex: true, isEqual: true }]);
    expect(all.status, JSON.stringify(all.json)).toBe(400);
    expect(all.json.error).toMatchObject({ code: 'OPSBOOK_E_SILENCE_INVALID', path: 'body.matchers' });
  });

  it('keeps the silence a refused replacement names', async () => {
    const kept = await am([{ name: 'service', value: 'web', isRegex: false, isEqual: true }]);
    expect(kept.status).toBe(200);
    const id = kept.json.silenceID as string;
    const r = await call('POST', '/api/v2/silences', { id, matchers: [{ name: 'service', value: '', isRegex: false, isEqual: true }], startsAt: new Date(daemon.clock.now()).toISOString(), endsAt: new Date(hour()).toISOString(), createdBy: 'ana', comment: 'quiet' });
    expect(r.status).toBe(400);
    expect((await call('GET', `/api/v2/silence/${id}`)).json.status).toEqual({ state: 'active' });
  });
});
