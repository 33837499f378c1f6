import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertIncident, listTimeline } from '../store/index.js';
import { storeIncidentLink } from './incident-link.js';
import { ExecutionService, listExecutions, listTranscript } from './service.js';
import { harness, responder, type Harness } from './test-support.js';

describe('executions inside an incident', () => {
  let h: Harness;
  let service: ExecutionService;
  beforeAll(async () => {
    h = await harness({
      config: { services: [{ id: 'web', shell: { cwd: '.' } }, { id: 'other', shell: { cwd: '.' } }] },
      runbooks: [{ file: 'i.md', text: '# I\n\n## RB-6: Disk\n\n**Diagnosis:**\n```bash\necho "checking <host>"\n```\n\n- [ ] Told the customer\n' }],
    });
    service = new ExecutionService({ ...h.service.deps, incidents: storeIncidentLink(h.store) });
    const now = h.clock.now();
    await insertIncident(h.store.db, {
      id: 'inc_1', title: 'Disk full', state: 'triggered', severity: 'sev2', service: 'web', source: 'alert', opened_at: now, updated_at: now,
      acknowledged_at: null, resolved_at: null, response_due_at: null, response_from: null, labels: JSON.stringify({ host: 'db-7', service: 'web' }), runbook: null,
      created_by: 'system:rules', reopened: 0, held_notification: null,
    });
  });
  afterAll(async () => h?.cleanup());

  it('binds parameters from the incident’s labels, runs against its service and writes the transcript on its timeline', async () => {
    const { id, plan } = await service.start('i.md#RB-6', responder, { incidentId: 'inc_1' });
    expect(plan.service).toBe('web');
    expect(plan.parameters.find((p) => p.name === 'host')).toMatchObject({ shown: 'db-7', source: 'incident' });
    const run = await service.runStep(id, 1, responder);
    expect(run.entries[0]!.stdout).toBe('checking db-7\n');
    await service.tick(id, 2, responder, 'called them');
    await service.finish(id, responder);
    const timeline = await listTimeline(h.store.db, 'inc_1');
    expect(timeline.map((t) => t.kind)).toEqual(['execution', 'execution', 'execution', 'execution', 'execution']);
    expect(timeline.map((t) => t.text).join('\n')).toMatch(/started runbook i\.md#RB-6[\s\S]*step 1\.1 running[\s\S]*step 1\.1 ok[\s\S]*step 2 ticked by ana[\s\S]*passed/);
    const mine = await listExecutions(h.store, { incidentId: 'inc_1' });
    expect(mine.map((e) => [e.id, e.state])).toEqual([[id, 'passed']]);
    const transcript = await listTranscript(h.store, id);
    expect(transcript.map((e) => [e.kind, e.actor])).toEqual([['command', 'ana'], ['tick', 'ana']]);
  });

  it('dates a finished command’s timeline line at its end, after its start line', async () => {
    const timed = await harness({
      config: { services: [{ id: 'web', shell: { cwd: '.' } }] },
      runbooks: [{ file: 't.md', text: '# T\n\n## RB-7: Slow read\n\n**Diagnosis:**\n```bash\nsleep 0.3; echo done\n```\n' }],
      clock: 'system',
    });
    try {
      const timedService = new ExecutionService({ ...timed.service.deps, incidents: storeIncidentLink(timed.store) });
      const now = timed.clock.now();
      await insertIncident(timed.store.db, {
        id: 'inc_2', title: 'Slow', state: 'triggered', severity: 'sev2', service: 'web', source: 'alert', opened_at: now, updated_at: now,
        acknowledged_at: null, resolved_at: null, response_due_at: null, response_from: null, labels: '{}', runbook: null, created_by: 'system:rules', reopened: 0, held_notification: null,
      });
      const { id } = await timedService.start('t.md#RB-7', responder, { incidentId: 'inc_2' });
      const run = await timedService.runStep(id, 1, responder);
      const entry = run.entries[0]!;
      expect(entry.durationMs).toBeGreaterThanOrEqual(300);
      const lines = (await listTimeline(timed.store.db, 'inc_2')).filter((t) => /step 1\.1/.test(t.text));
      expect(lines.map((t) => [/step 1\.1 (\w+)/.exec(t.text)?.[1], t.at])).toEqual([
        ['running', entry.at],
        ['ok', entry.at + entry.durationMs!],
      ]);
    } finally {
      await timed.cleanup();
    }
  });
});
