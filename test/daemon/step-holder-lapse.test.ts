/**
 * When a step left running by another cluster member is seen as interrupted, counted in leases of the
 * daemon that watches: at the lapse of the member's heartbeat (not up to a lease later), within a
 * third of a lease of a clean leave, and never while the member renews its heartbeat. The member is
 * written straight into the cluster's table and runs its step through an execution service of its
 * own in this process; the daemon watching is a real one on the same PostgreSQL database.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it, type ExpectStatic } from 'vitest';
import { createLogger, Daemon } from '../../src/daemon/index.js';
import { ExecutionService, InProcessExecutions } from '../../src/executions/index.js';
import { harness, responder, type Harness } from '../../src/executions/test-support.js';
import { heartbeatMember, leaveCluster } from '../../src/store/index.js';
import { writeFiles } from '../support/files.js';
import { createMigratedTestDatabase } from '../support/migrated-database.js';
import { postgresUp } from '../support/services.js';
import { scaled } from '../support/timing.js';

const pgOk = await postgresUp();
const RUNBOOK = '# Web\n\n## RB-1: Wait\n\n**Diagnosis:**\n```bash\necho waiting && sleep 600\n```\n';

// Whole seconds (the config's durations); long enough that a loaded machine's timers stay well inside a sixth of it.
const leaseMs = Math.min(15, Math.max(6, Math.ceil(scaled(6_000) / 1000))) * 1000;

/**
 * A fresh PostgreSQL database for the suite, an execution service on it (`h`), daemons on it
 * (`startDaemon`), and members written straight into the cluster's table running steps: all closed
 * and removed after the suite.
 */
function sharedStore(prefix: string) {
  let db: Awaited<ReturnType<typeof createMigratedTestDatabase>> | undefined;
  let h: Harness | undefined;
  const daemons: Daemon[] = [];
  const dirs: string[] = [];
  const members: ExecutionService[] = [];
  const runs: Promise<unknown>[] = [];

  beforeAll(async () => {
    db = await createMigratedTestDatabase(prefix);
    h = await harness({ config: { services: [{ id: 'web', shell: { cwd: '.' } }] }, runbooks: [{ file: 'web.md', text: RUNBOOK }], clock: 'system', storeUrl: db.url });
  });

  afterAll(async () => {
    for (const d of daemons) await d.close();
    // The members' commands, stopped here only so nothing is left behind (what they write then is fenced).
    for (const m of members) for (const id of m.inProcess.controllers.keys()) m.inProcess.end(id);
    await Promise.allSettled(runs);
    await h?.cleanup();
    await db?.drop();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  const store = () => h!.store;
  return {
    /** A daemon on the database, its lease `leaseMs`, started under `name` (storage.cluster.member) when given. */
    async startDaemon(name?: string): Promise<Daemon> {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-step-lapse-'));
      dirs.push(dir);
      writeFiles(dir, {
        'ops.yaml': `storage:\n  url: ${db!.url}\n  cluster: { lease: ${leaseMs / 1000}s, partitions: 4${name ? `, member: ${name}` : ''} }\nservices:\n  - { id: web, shell: { cwd: . } }\nrunbooks: [web.md]\n`,
        'web.md': RUNBOOK,
      });
      const daemon = await Daemon.start({ configPath: path.join(dir, 'ops.yaml'), env: {}, logger: createLogger({ level: 'silent', pretty: false }) });
      daemons.push(daemon);
      return daemon;
    },

    /** A member (heartbeat of a lease, as the cluster writes it; `name` its storage.cluster.member) running step 1 of a new execution. */
    async memberRunningAStep(id: string, expect: ExpectStatic, name?: string): Promise<{ member: string; execution: string; heartbeat: () => Promise<number> }> {
      const member = `member_${id}`;
      const heartbeat = () => heartbeatMember(store().db, { id: member, host: 'h', pid: 1, url: 'http://127.0.0.1:1', started_at: 1, ...(name ? { name } : {}) }, leaseMs);
      await heartbeat();
      const service = new ExecutionService({ ...h!.service.deps, inProcess: new InProcessExecutions(member) });
      members.push(service);
      const { id: execution } = await h!.service.start('web.md#RB-1', responder, { service: 'web' });
      runs.push(service.runStep(execution, 1, responder).catch((e: unknown) => e));
      await expect.poll(async () => (await h!.service.transcript(execution)).map((e) => e.status), { timeout: scaled(20_000), interval: 100 }).toEqual(['running']);
      return { member, execution, heartbeat };
    },

    /** When the member's heartbeat runs out (the database's clock). */
    async expiresAt(member: string): Promise<number> {
      const row = await store().db.selectFrom('cluster_members').select('expires_at').where('id', '=', member).executeTakeFirstOrThrow();
      return Number(row.expires_at);
    },

    /**
     * When a daemon marked the step interrupted (its clock, written in the entry), once one has; NaN
     * when none has within `withinMs`. The mark's instant is read from the entry, so how often this
     * looks decides only how soon it returns: every 50 ms at first, backing off to 400 ms (a look reads
     * the whole transcript, and the wait is a lease or more).
     */
    async markedAt(execution: string, withinMs: number): Promise<number> {
      let pause = 50;
      for (const end = Date.now() + withinMs; Date.now() < end; await new Promise((r) => setTimeout(r, pause)), pause = Math.min(400, pause * 2)) {
        const [entry] = await h!.service.transcript(execution);
        if (entry?.status === 'interrupted') return Number((entry.data as { interruptedFoundAt?: unknown }).interruptedFoundAt);
      }
      return Number.NaN;
    },

    async transcript(execution: string) {
      return h!.service.transcript(execution);
    },
    store,
  };
}

describe.skipIf(!pgOk)('a step of another cluster member, seen interrupted by a daemon (PostgreSQL)', () => {
  const shared = sharedStore('opsbook_step_lapse');
  // Its first look for steps left running is made while it starts: the steps below begin after it.
  beforeAll(async () => {
    await shared.startDaemon();
  });

  it.concurrent('marks it when the member\'s heartbeat lapses, not up to a lease later', async ({ expect }) => {
    const { member, execution: id } = await shared.memberRunningAStep('lapsing', expect);
    // The member dies now: its heartbeat is not renewed again.
    const lapse = await shared.expiresAt(member);
    // Waited for a lapse and a half: long enough to see a mark a lease late fail, not only time out.
    const at = await shared.markedAt(id, lapse - Date.now() + leaseMs * 1.5);
    expect(at, 'marked interrupted by the watcher').not.toBeNaN();
    // Judged by the database's clock: never before the heartbeat ran out; and within a third of a lease after.
    expect(at).toBeGreaterThanOrEqual(lapse);
    expect((at - lapse) / leaseMs, `marked ${at - lapse} ms after the lapse, lease ${leaseMs} ms`).toBeLessThan(1 / 3);
  });

  it.concurrent('leaves the step of a member that renews its heartbeat, and marks it within a third of a lease of its clean leave', async ({ expect }) => {
    const { member, execution: id, heartbeat } = await shared.memberRunningAStep('renewing', expect);
    // Renewed every third of a lease, as the cluster does, for more than a lease: the watcher's looks at its
    // earlier expiry times find it renewed, and leave its step alone.
    const first = await shared.expiresAt(member);
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, leaseMs / 3));
      await heartbeat();
    }
    expect(await shared.expiresAt(member)).toBeGreaterThan(first + leaseMs);
    expect((await shared.transcript(id)).map((e) => e.status)).toEqual(['running']);
    expect(await shared.store().db.selectFrom('running_steps').select('runner').where('execution_id', '=', id).execute()).toEqual([{ runner: member }]);
    // A clean stop: its membership row goes (its step is left running, as when a stop outlasts it).
    const left = Date.now();
    await leaveCluster(shared.store().db, member);
    const at = await shared.markedAt(id, leaseMs * 1.5);
    expect(at, 'marked interrupted by the watcher').not.toBeNaN();
    expect((at - left) / leaseMs, `marked ${at - left} ms after the leave, lease ${leaseMs} ms`).toBeLessThan(1 / 3 + 0.1);
  });
});

describe.skipIf(!pgOk)('a step of the previous process of a name, seen interrupted by the process started under that name (PostgreSQL)', () => {
  const shared = sharedStore('opsbook_step_supersede');

  it('marks it once the start supersedes the previous process, not a lease later', async ({ expect }) => {
    const { member, execution } = await shared.memberRunningAStep('web_1_before', expect, 'web-1');
    // Started while the previous process's heartbeat is live: its first look leaves the step alone;
    // then it takes the name over (its membership ends at once) and its leases come here.
    await shared.startDaemon('web-1');
    const superseded = await shared.store().db.selectFrom('cluster_members').select(['expires_at', 'superseded_by']).where('id', '=', member).executeTakeFirstOrThrow();
    expect(superseded.superseded_by, 'superseded by the restart').not.toBeNull();
    const at = await shared.markedAt(execution, leaseMs * 1.5);
    expect(at, 'marked interrupted by the restart').not.toBeNaN();
    expect(at).toBeGreaterThanOrEqual(Number(superseded.expires_at));
    expect((at - Number(superseded.expires_at)) / leaseMs, `marked ${at - Number(superseded.expires_at)} ms after the supersede, lease ${leaseMs} ms`).toBeLessThan(1 / 6);
  });
});
