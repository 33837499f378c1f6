/**
 * Two opsbook processes on one SQLite file (the daemon and a CLI command, or two daemons) each run
 * transactions that read before they write. Every one commits, or is refused for what it read
 * (an incident already acknowledged): the second writer waits for the first (busy_timeout) and
 * reads its commit, instead of failing with SQLITE_BUSY because its snapshot went stale.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IncidentService } from '../../src/incidents/index.js';
import { SystemClock } from '../../src/lib/clock.js';
import { openStore, type Store } from '../../src/store/index.js';
import { listAudit, verifyAuditChain } from '../../src/store/repos/audit.js';
import { exited, startChild } from '../support/crash.js';

interface Report {
  done: number;
  refused: number;
  errors: string[];
}

describe('read-then-write transactions of two opsbook processes on one SQLite file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-read-then-write-'));
  const file = path.join(dir, 'opsbook.db');
  const actor = { name: 'ana', role: 'responder' as const, via: 'cli' as const };
  let store: Store;
  let incidents: IncidentService;
  beforeAll(async () => {
    store = await openStore({ url: file });
    await store.migrate();
    incidents = new IncidentService(store, new SystemClock(), {});
  });
  afterEach(() => fs.rmSync(path.join(dir, 'go'), { force: true }));
  afterAll(async () => {
    await store?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Runs two children (`ana`, `bo`) with `args` after the name, both at once; their reports. */
  async function both(args: string[]): Promise<Report[]> {
    const reports: Report[] = [];
    const children = await Promise.all(['ana', 'bo'].map((name) => startChild('test/store/incident-writer-cli.ts', [file, name, ...args], (l) => reports.push(JSON.parse(l) as Report))));
    fs.writeFileSync(path.join(dir, 'go'), '');
    await Promise.all(children.map(exited));
    return reports;
  }

  it('commits every note both add to one incident: none refused with SQLITE_BUSY, none lost, the audit chain whole', async () => {
    const count = 150;
    const { incident } = await incidents.create({ title: 'checkout down', severity: 'P2' }, actor);
    expect(await both(['note', incident.id, String(count)])).toEqual([{ done: count, refused: 0, errors: [] }, { done: count, refused: 0, errors: [] }]);

    const notes = (await incidents.timeline(incident.id)).filter((e) => e.kind === 'note');
    for (const name of ['ana', 'bo']) {
      expect(notes.filter((n) => n.actor === name).map((n) => n.text).sort()).toEqual(Array.from({ length: count }, (_, i) => `${name} ${i}`).sort());
    }
    const audit = await listAudit(store.db);
    expect(audit.filter((e) => e.action === 'incident.note')).toHaveLength(2 * count);
    expect(verifyAuditChain(audit)).toEqual([]);
  });

  it('acknowledges each incident once when both acknowledge it at the same moment; the other is told it is acknowledged already', async () => {
    const count = 60;
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push((await incidents.create({ title: `queue ${i} backed up`, severity: 'P2' }, actor)).incident.id);
    const reports = await both(['ack', ids.join(',')]);
    expect(reports.flatMap((r) => r.errors)).toEqual([]);
    expect(reports.reduce((n, r) => n + r.done, 0)).toBe(count);
    expect(reports.reduce((n, r) => n + r.refused, 0)).toBe(count);
    for (const id of ids) {
      expect((await incidents.get(id)).state).toBe('acknowledged');
      expect((await incidents.timeline(id)).filter((e) => e.kind === 'status' && e.data.to === 'acknowledged')).toHaveLength(1);
    }
    const audit = await listAudit(store.db);
    expect(audit.filter((e) => e.action === 'incident.acknowledged')).toHaveLength(count);
    expect(verifyAuditChain(audit)).toEqual([]);
  });
});
