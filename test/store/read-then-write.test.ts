/**
 * Two opsbook processes on one SQLite file (the daemon and a CLI command, or two daemons) each run
 * transactions that read before they write. Every one commits: the second writer waits for the
 * first (busy_timeout) instead of failing with SQLITE_BUSY because its snapshot went stale.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IncidentService } from '../../src/incidents/index.js';
import { SystemClock } from '../../src/lib/clock.js';
import { openStore, type Store } from '../../src/store/index.js';
import { listAudit, verifyAuditChain } from '../../src/store/repos/audit.js';
import { exited, startChild } from '../support/crash.js';

const COUNT = 150;

describe('read-then-write transactions of two opsbook processes on one SQLite file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-read-then-write-'));
  const file = path.join(dir, 'opsbook.db');
  let store: Store;
  let incidents: IncidentService;
  beforeAll(async () => {
    store = await openStore({ url: file });
    await store.migrate();
    incidents = new IncidentService(store, new SystemClock(), {});
  });
  afterAll(async () => {
    await store?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('commits every note both add to one incident: none refused with SQLITE_BUSY, none lost, the audit chain whole', async () => {
    const actor = { name: 'ana', role: 'responder' as const, via: 'cli' as const };
    const { incident } = await incidents.create({ title: 'checkout down', severity: 'P2' }, actor);
    const reports: string[] = [];
    const children = await Promise.all(['ana', 'bo'].map((name) => startChild('test/store/incident-note-writer.ts', [file, incident.id, name, String(COUNT)], (l) => reports.push(l))));
    fs.writeFileSync(path.join(dir, 'go'), '');
    await Promise.all(children.map(exited));
    expect(reports.map((r) => JSON.parse(r) as unknown)).toEqual([{ noted: COUNT, errors: [] }, { noted: COUNT, errors: [] }]);

    const notes = (await incidents.timeline(incident.id)).filter((e) => e.kind === 'note');
    for (const name of ['ana', 'bo']) {
      expect(notes.filter((n) => n.actor === name).map((n) => n.text).sort()).toEqual(Array.from({ length: COUNT }, (_, i) => `${name} ${i}`).sort());
    }
    const audit = await listAudit(store.db);
    expect(audit.filter((e) => e.action === 'incident.note')).toHaveLength(2 * COUNT);
    expect(verifyAuditChain(audit)).toEqual([]);
  });
});
