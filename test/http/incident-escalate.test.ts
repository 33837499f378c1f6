/**
 * A person's escalation through the API: escalate now pages the next step of the policy (on the
 * timeline, audited, in the outbox), refuses past the last step, and re-triggers an acknowledged
 * incident (its escalation runs on from the step paged); add responder pages the person, which assigning a role does not; a severity
 * change moves the response target.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../../src/notify/test-support.js';
import { listAudit, listOutbox } from '../../src/store/index.js';
import { apiTokens, startDaemonApp, type DaemonApp } from '../support/daemon-app.js';

let server: DaemonApp;
let receiver: Receiver;
let tok: Record<string, string>;

beforeAll(async () => {
  receiver = await startReceiver(() => ({ status: 200 }));
  const hook = (id: string) => `  - { id: ${id}, kind: webhook, url: "${receiver.url}", secrets: [whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw] }\n`;
  server = await startDaemonApp('escalate', {
    'ops.yaml':
      `users:\n  - { name: ana, role: responder }\n  - { name: carl, role: responder, contact: [{ kind: webhook, address: "${receiver.url}/carl" }] }\n  - { name: adm, role: admin }\n` +
      'services:\n  - { id: orders }\n' +
      `channels:\n${hook('hook-first')}${hook('hook-second')}` +
      'escalation_policies:\n  - id: default\n    steps:\n      - { targets: [{ channel: hook-first }], timeout: 30m }\n      - { targets: [{ channel: hook-second }], timeout: 30m }\n',
  });
  tok = await apiTokens(server.daemon, 'adm', ['ana', 'carl', 'adm']);
});
afterAll(async () => {
  await server?.close();
  await receiver?.close();
});

const call = (method: 'GET' | 'POST', url: string, payload?: object) =>
  server.app.inject({ method, url, headers: { authorization: `Bearer ${tok.ana}` }, ...(method === 'POST' ? { payload: payload ?? {} } : {}) });

async function declare(title: string): Promise<{ id: string; openedAt: number; responseDueAt: number }> {
  const res = await call('POST', '/api/incidents', { title, severity: 'P3', service: 'orders' });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; openedAt: number; responseDueAt: number };
}

const timeline = async (id: string) => ((await call('GET', `/api/incidents/${id}/timeline`)).json() as { timeline: Array<{ kind: string; actor: string; text: string }> }).timeline;
const channelsPaged = async (id: string) => (await listOutbox(server.daemon.store.db, { incidentId: id })).map((r) => r.channel_id);

describe('escalate, add responder, severity', () => {
  it('escalate now pages the next step at once, says who did it, is audited, and refuses past the last step', async () => {
    const { id } = await declare('Orders failing');
    expect(await channelsPaged(id)).toEqual(['hook-first']);
    const res = await call('POST', `/api/incidents/${id}/escalate`, { note: 'the database team is needed' });
    expect(res.statusCode, res.body).toBe(200);
    expect(await channelsPaged(id)).toEqual(['hook-first', 'hook-second']);
    const lines = (await timeline(id)).map((e) => `${e.kind} ${e.actor}: ${e.text}`);
    expect(lines).toContain('escalation ana: escalated: paging step 2 of default now: the database team is needed');
    expect(lines).toContain('notification system:escalation: step 2: paged channel hook-second');
    const audit = (await listAudit(server.daemon.store.db)).filter((e) => e.action === 'incident.escalate');
    expect(audit.map((e) => [e.actor, e.subject])).toEqual([['ana', `incident:${id}`]]);
    // The chain goes on from step 2: nothing more to escalate to.
    const again = await call('POST', `/api/incidents/${id}/escalate`, {});
    expect(again.statusCode).toBe(409);
    expect((again.json() as { error: { message: string } }).error.message).toBe(`incident ${id} cannot be escalated: step 2 is the last step of default`);
  });

  it('pages the next step of an acknowledged incident and re-triggers it: its escalation runs on from that step', async () => {
    const { id } = await declare('Orders slow');
    expect((await call('POST', `/api/incidents/${id}/acknowledge`, {})).statusCode).toBe(200);
    const res = await call('POST', `/api/incidents/${id}/escalate`, {});
    expect(res.statusCode).toBe(200);
    expect((res.json() as { state: string }).state).toBe('triggered');
    expect(await channelsPaged(id)).toContain('hook-second');
    const state = await server.daemon.operations!.escalations.state(id);
    expect(state).toMatchObject({ status: 'active', stepIndex: 1, stoppedAt: null, stoppedBy: null });
    expect(state!.nextAt).not.toBeNull();
  });

  it('refuses to escalate a resolved incident', async () => {
    const { id } = await declare('Orders blip');
    expect((await call('POST', `/api/incidents/${id}/resolve`, {})).statusCode).toBe(200);
    const res = await call('POST', `/api/incidents/${id}/escalate`, {});
    expect(res.statusCode).toBe(409);
    expect((res.json() as { error: { message: string } }).error.message).toMatch(/it is resolved$/);
  });

  it('add responder makes the person a responder and pages them; an unknown person is refused with its path', async () => {
    const { id } = await declare('Orders queue stuck');
    const res = await call('POST', `/api/incidents/${id}/responders`, { person: 'carl' });
    expect(res.statusCode, res.body).toBe(200);
    const rows = (await listOutbox(server.daemon.store.db, { incidentId: id })).filter((r) => (JSON.parse(r.payload) as { recipient?: { user: string } }).recipient?.user === 'carl');
    expect(rows.map((r) => r.event)).toEqual(['incident.escalated']);
    const lines = (await timeline(id)).map((e) => e.text);
    expect(lines).toContain('carl joined as a responder');
    expect(lines).toContain('asked to respond by ana: paged carl by webhook');
    const unknown = await call('POST', `/api/incidents/${id}/responders`, { person: 'nobody-here' });
    expect(unknown.statusCode).toBe(400);
    expect((unknown.json() as { error: { path: string } }).error.path).toBe('body.person');
  });

  it('a severity change moves the response target, counted from the opening', async () => {
    const { id, openedAt, responseDueAt } = await declare('Orders degraded');
    expect(responseDueAt).toBe(openedAt + 4 * 3_600_000);
    const res = await call('POST', `/api/incidents/${id}/severity`, { severity: 'P1' });
    expect(res.statusCode, res.body).toBe(200);
    expect((res.json() as { responseDueAt: number }).responseDueAt).toBe(openedAt + 15 * 60_000);
    expect((await timeline(id)).map((e) => e.text)).toContain(`severity P3 → P1; response due ${new Date(openedAt + 15 * 60_000).toISOString().slice(0, 19).replace('T', ' ')} UTC (15m after opening)`);
    expect((await call('POST', `/api/incidents/${id}/severity`, { severity: 'P9' })).statusCode).toBe(400);
  });
});
