/**
 * A person's move that finds the incident already there — Resolve pressed just after the alerts
 * resolved it, a second responder's Acknowledge — is answered with the incident as it is, and the
 * note the person wrote with it still goes on the timeline. It used to be dropped without a word
 * (`opsbook incident resolve ID -m "depth back to 0"` printed "is now resolved", and the review
 * had no trace of the note).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTimeline } from '../../src/store/index.js';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';

const ana = { name: 'ana', role: 'admin' as const, via: 'session' as const };
const bo = { name: 'bo', role: 'responder' as const, via: 'cli' as const };

describe('a note with a move the incident has already made', () => {
  let app: DaemonApp;
  beforeAll(async () => {
    app = await startDaemonApp('late-note', { 'ops.yaml': 'users:\n  - { name: ana, role: admin }\n  - { name: bo, role: responder }\nservices:\n  - { id: orders }\n' });
  });
  afterAll(async () => app?.close());

  it('keeps the note on the timeline, by its writer, and changes nothing else', async () => {
    const ops = app.daemon.operations!;
    const incident = await ops.createIncident({ title: 'Orders queue backed up', severity: 'P2', service: 'orders' }, ana);
    await ops.act(incident.id, 'acknowledge', ana);
    const acked = await ops.act(incident.id, 'acknowledge', bo, 'I was on it too: the consumer restarted at 03:10');
    expect(acked.state).toBe('acknowledged');
    const resolved = await ops.act(incident.id, 'resolve', ana);
    const again = await ops.act(incident.id, 'resolve', bo, 'depth back to 0');
    expect(again.state).toBe('resolved');
    expect(again.resolvedAt).toBe(resolved.resolvedAt);
    const timeline = await listTimeline(app.daemon.store.db, incident.id);
    const notes = timeline.filter((t) => t.kind === 'note').map((t) => [t.actor, t.text]);
    expect(notes).toEqual([
      ['bo', 'I was on it too: the consumer restarted at 03:10'],
      ['bo', 'depth back to 0'],
    ]);
    expect(timeline.filter((t) => t.kind === 'status' && /→ resolved/.test(t.text))).toHaveLength(1);
    // Without a note nothing is written.
    const before = (await listTimeline(app.daemon.store.db, incident.id)).length;
    await ops.act(incident.id, 'resolve', bo);
    expect(await listTimeline(app.daemon.store.db, incident.id)).toHaveLength(before);
  });
});
