/**
 * `GET /api/executions?procedure=` or `?incident=` naming nothing there is — a typo'd `FILE#ID`, an
 * incident id that does not exist — is refused at its query parameter, naming what is there, rather
 * than answered with an empty list that reads as "never run". A procedure that is there and has not
 * run is an empty list; one whose runbook section is gone but whose runs are stored still lists them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiTokens, startDaemonApp, type DaemonApp } from '../support/daemon-app.js';

const RUNBOOK = '# Ops\n\n## RB-1: Look\n\n**Diagnosis:**\n```bash\necho ok\n```\n';

describe('execution list filters', () => {
  let h: DaemonApp;
  let token: string;
  beforeAll(async () => {
    h = await startDaemonApp('execution-list-filter', {
      'ops.yaml': 'users:\n  - { name: ana, role: responder }\nservices:\n  - { id: web, shell: {} }\nrunbooks: [runbooks/*.md]\n',
      'runbooks/ops.md': RUNBOOK,
    });
    token = (await apiTokens(h.daemon, 'ana', ['ana'])).ana!;
  });
  afterAll(async () => h?.close());

  const list = (query: string) => h.app.inject({ url: `/api/executions?${query}`, headers: { authorization: `Bearer ${token}` } });

  it('refuses a procedure or incident that is not there at its query parameter', async () => {
    const procedure = await list(`procedure=${encodeURIComponent('runbooks/ops.md#RB-2')}`);
    expect(procedure.statusCode).toBe(404);
    expect(procedure.json().error).toMatchObject({ code: 'OPSBOOK_E_PROCEDURE_NOT_FOUND', path: 'query.procedure', message: expect.stringMatching(/^no procedure runbooks\/ops\.md#RB-2 in the runbooks, and no execution of it \(procedures in runbooks\/ops\.md: RB-1\)$/) });
    const incident = await list('incident=inc_nope');
    expect(incident.statusCode).toBe(404);
    expect(incident.json().error).toMatchObject({ code: 'OPSBOOK_E_INCIDENT_UNKNOWN', path: 'query.incident' });
  });

  it('lists none of a procedure that has not run, and the runs of one whose section is gone', async () => {
    const none = await list(`procedure=${encodeURIComponent('runbooks/ops.md#RB-1')}`);
    expect(none.statusCode).toBe(200);
    expect(none.json().executions).toEqual([]);
    // A run stored under a reference no runbook has now (renamed since): its history stays listed.
    const started = await h.app.inject({ method: 'POST', url: '/api/executions', headers: { authorization: `Bearer ${token}` }, payload: { procedure: 'runbooks/ops.md#RB-1' } });
    expect(started.statusCode, started.body).toBe(201);
    await h.daemon.store.db.updateTable('executions').set({ procedure: 'runbooks/ops.md#RB-0' }).where('id', '=', started.json().id).execute();
    const gone = await list(`procedure=${encodeURIComponent('runbooks/ops.md#RB-0')}`);
    expect(gone.statusCode, gone.body).toBe(200);
    expect(gone.json().executions.map((e: { id: string }) => e.id)).toEqual([started.json().id]);
  });
});
