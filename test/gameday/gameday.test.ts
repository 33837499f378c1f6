/**
 * Game days through the real runner: the seed system's stand-in world on loopback (fresh database,
 * private redis-server, stand-in process, webhook receiver), the real daemon on a simulated clock,
 * faults injected and the runbook's expectations checked.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatGameDay, loadGameDaySpec, runGameDay, type GameDayResult } from '../../src/gameday/index.js';
import { isOpsbookError } from '../../src/lib/errors/index.js';
import { PG_ADMIN_URL, postgresUp } from '../support/services.js';
import { heldDatabases } from '../../src/gameday/faults/leftovers.js';

const pgOk = await postgresUp();
// The scenarios these tests were written against; the examples have more (npm run gamedays runs them all).
const NOVAPULSE = { scenarios: ['email-backlog', 'failed-jobs', 'redis-down'], drills: true };
// The world runs a private redis-server; without the binary the game day cannot be built.
const redisServerOk = spawnSync('redis-server', ['--version']).status === 0;
if (!redisServerOk && process.env.OPSBOOK_REQUIRE_SERVICES === '1') throw new Error('redis-server is not installed and OPSBOOK_REQUIRE_SERVICES=1');
if (!redisServerOk) console.warn('skipping game days: redis-server is not installed');

describe.skipIf(!pgOk || !redisServerOk)('opsbook gameday', () => {
  // One run for two tests: novapulse's game day with opsbook's own store on PostgreSQL. The databases
  // this process's worlds hold are followed while it runs (other game days may make and drop
  // databases on the same server meanwhile).
  describe('novapulse, with opsbook’s own store on PostgreSQL', () => {
    let result: GameDayResult;
    const made = new Set<string>();
    let heldAfter: string[];
    let left: string[];
    let reviewsDir: string;
    beforeAll(async () => {
      reviewsDir = await mkdtemp(join(tmpdir(), 'opsbook-gameday-reviews-'));
      const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
      await admin.connect();
      const watch = setInterval(() => heldDatabases().forEach((d) => made.add(d)), 50);
      try {
        result = await runGameDay('examples/novapulse', { pgAdminUrl: PG_ADMIN_URL, store: 'postgres', part: NOVAPULSE, reviewsDir: join(reviewsDir, 'kept') });
        heldDatabases().forEach((d) => made.add(d));
        heldAfter = heldDatabases();
        left = (await admin.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'opsbook_gameday_novapulse%'")).rows.map((r) => r.datname);
      } finally {
        clearInterval(watch);
        await admin.end();
      }
    });

    it('novapulse: email backlog, failed jobs and Redis down each page, diagnose read-only and resolve', () => {
      expect(result.failed, formatGameDay(result).join('\n')).toBe(0);
      expect(result.baseline).toEqual([]);
      expect(result.rejectedWebhooks).toEqual([]);
      const byId = Object.fromEntries(result.scenarios.map((s) => [s.id, s]));
      expect(byId['email-backlog']!.incident).toMatchObject({ severity: 'P2', runbook: 'runbooks/novapulse.md#queue-jobs-not-processing' });
      expect(byId['redis-down']!.incident).toMatchObject({ severity: 'P1', runbook: 'runbooks/novapulse.md#redis-outage' });
      for (const s of result.scenarios) {
        expect(s.page?.path).toBe('/novapulse/level-1');
        // `to` is what step 2's timeline line says, ending with the channel path that received the page.
        expect(s.escalation).toMatchObject({ to: expect.stringMatching(/(^|→ )\/novapulse\/level-2$/), expectedMinute: 15 });
        expect(s.acknowledged).toMatchObject({ status: 200, state: 'acknowledged' });
        expect(s.negativeControl).toMatchObject({ ran: true, held: true });
        expect(s.resolvedAfterMinutes).toBeGreaterThanOrEqual(0);
        // Nothing but reads ran; kubectl is the world's tool on the steps' PATH, and its steps are left for a person.
        for (const c of s.diagnosis!.commands) {
          if (c.outcome === 'ok' || c.outcome === 'failed') expect(c.effect).toBe('read');
          if (c.text.startsWith('kubectl')) expect(c.outcome).toMatch(/^left:/);
        }
      }
      // The real jobs on the seed's own key; Redis down resolved by the runbook's own step through the world's kubectl.
      expect(byId['email-backlog']!.fault).toEqual({ text: '1180 BullMQ jobs on nova:email:waiting', standIn: false });
      expect(byId['redis-down']!.resolution).toMatchObject({ by: 'runbook', text: expect.stringMatching(/^step 5\.1 of runbooks\/novapulse\.md#redis-outage/), output: expect.stringContaining('statefulset.apps/redis restarted') });
      const stats = byId['email-backlog']!.diagnosis!.commands.find((c) => c.text.includes('queue/stats'))!;
      expect(stats.output).toContain('"waiting":1200');
      const ping = byId['redis-down']!.diagnosis!.commands.find((c) => c.text.includes('ping'))!;
      expect(ping.outcome).toBe('failed');
    });

    it('runs with opsbook’s own store on PostgreSQL, and leaves no database behind', () => {
      expect(result.failed, formatGameDay(result).join('\n')).toBe(0);
      expect(result.store).toBe('postgres');
      expect(result.scenarios[0]!.incident).toMatchObject({ severity: 'P2' });
      expect([...made].some((d) => d.startsWith('opsbook_gameday_novapulse')), `the run made its databases: ${[...made].join(', ')}`).toBe(true);
      expect(heldAfter).toEqual([]);
      expect(left.filter((d) => made.has(d))).toEqual([]);
    });

    // The review's path is printed; it used to be in the world's directory, gone by the time anyone read it.
    it('keeps each scenario’s post-incident review where it was asked to, after its world is gone', async () => {
      for (const s of result.scenarios) {
        expect(s.review?.file, s.id).toBe(join(reviewsDir, 'kept', `review-${s.incident!.id}.md`));
        const markdown = await readFile(s.review!.file!, 'utf8');
        expect(markdown).toContain(s.incident!.id);
        expect(formatGameDay(result).join('\n')).toContain(s.review!.file!);
      }
    });
    afterAll(() => rm(reviewsDir, { recursive: true, force: true }));
  });
});

describe.skipIf(!pgOk || !redisServerOk)('opsbook gameday: what proves nothing fails', () => {
  const copies: string[] = [];
  afterAll(async () => {
    for (const d of copies) await rm(d, { recursive: true, force: true });
  });
  /** novapulse with one scenario whose gameday.yaml is edited by `edit`; the stand-in is the system's own. */
  const novapulseWith = async (edit: (spec: string) => string): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), 'opsbook-gameday-test-'));
    copies.push(dir);
    await cp('examples/novapulse', dir, { recursive: true, filter: (src) => !src.includes('.opsbook') });
    const standin = fileURLToPath(new URL('../../examples/novapulse/standin.ts', import.meta.url));
    await writeFile(join(dir, 'gameday.yaml'), `${edit(await readFile(join(dir, 'gameday.yaml'), 'utf8'))}\nstandin: ${standin}\n`);
    return dir;
  };

  it('fails with the reason when the runbook says another severity than the incident gets', async () => {
    // Only the expected severity of the first scenario (email-backlog) is changed.
    const dir = await novapulseWith((spec) => spec.replace('severity: P2', 'severity: P1'));
    // That scenario alone: the others and the drills (run by the tests above) have no other severity to compare.
    const result = await runGameDay(dir, { pgAdminUrl: PG_ADMIN_URL, part: { scenarios: ['email-backlog'], drills: false } });
    expect(result.failed).toBe(1);
    expect(result.scenarios[0]!.failures).toEqual([expect.stringMatching(/incident severity P2, expected P1/)]);
  });

  it('reports a scenario whose resolution does not mend the world as failing', async () => {
    // The email-backlog scenario's mend (its first) becomes a command that changes nothing.
    const dir = await novapulseWith((spec) => spec.replace('mend: undo', 'mend: "true"'));
    // That scenario alone: the others and the drills pass in the first novapulse test.
    const result = await runGameDay(dir, { pgAdminUrl: PG_ADMIN_URL, part: { scenarios: ['email-backlog'], drills: false } });
    const s = result.scenarios.find((x) => x.id === 'email-backlog')!;
    expect(s.passed, formatGameDay(result).join('\n')).toBe(false);
    expect(s.negativeControl.held).toBe(true);
    expect(s.failures).toContainEqual(expect.stringMatching(/the resolution did not mend the world/));
  });
});

describe('gameday.yaml', () => {
  it('names the file and path of a malformed scenario', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'opsbook-gameday-spec-'));
    try {
      await writeFile(join(dir, 'gameday.yaml'), 'system: x\nseed: "9"\nscenarios:\n  - id: a\n    title: A\n    inject: { meteor: true }\n    expect: { alert: r, severity: P1, severity_source: configured, runbook: r.md#x }\n');
      const err = await loadGameDaySpec(dir).then(() => undefined, (e: unknown) => e);
      expect(isOpsbookError(err) && err.code).toBe('OPSBOOK_E_GAMEDAY_INVALID');
      expect((err as Error).message).toContain('scenarios[0].inject');
      expect(isOpsbookError(err) && err.location).toMatchObject({ file: join(dir, 'gameday.yaml'), line: 6 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names the file and line of a second YAML document, saying what to do', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'opsbook-gameday-spec-'));
    try {
      await writeFile(join(dir, 'gameday.yaml'), 'system: x\nseed: "9"\n---\nscenarios: []\n');
      const err = await loadGameDaySpec(dir).then(() => undefined, (e: unknown) => e);
      expect((err as Error).message).toBe(`${join(dir, 'gameday.yaml')} is not valid YAML: a second YAML document starts here (after ---); a file holds one: remove the --- or move what follows to a file of its own`);
      expect(isOpsbookError(err) && err.location).toMatchObject({ file: join(dir, 'gameday.yaml'), line: 3 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names the file and line of an alias that names no anchor', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'opsbook-gameday-spec-'));
    try {
      await writeFile(join(dir, 'gameday.yaml'), 'system: x\nseed: "9"\nscenarios:\n  - id: a\n    title: *title\n');
      const err = await loadGameDaySpec(dir).then(() => undefined, (e: unknown) => e);
      expect(isOpsbookError(err) && err.code).toBe('OPSBOOK_E_GAMEDAY_INVALID');
      expect((err as Error).message).toMatch(/is not valid YAML: .*alias/i);
      expect(isOpsbookError(err) && err.location).toMatchObject({ file: join(dir, 'gameday.yaml'), line: 5 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names the place of a Celery worker without queues in the world section', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'opsbook-gameday-spec-'));
    try {
      await writeFile(join(dir, 'gameday.yaml'), 'system: x\nseed: "9"\ncelery:\n  workers:\n    - { name: w1, queues: [] }\nscenarios:\n  - id: a\n    title: A\n    inject: { redis: down }\n    expect: { alert: r, severity: P1, severity_source: configured, runbook: r.md#x }\n');
      const err = await loadGameDaySpec(dir).then(() => undefined, (e: unknown) => e);
      expect((err as Error).message).toContain('celery.workers[0].queues');
      expect(isOpsbookError(err) && err.location).toMatchObject({ file: join(dir, 'gameday.yaml'), line: 5 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a failover world without a replica to promote, naming the place', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'opsbook-gameday-spec-'));
    try {
      await writeFile(join(dir, 'gameday.yaml'), 'system: x\nseed: "9"\npostgres:\n  failover: true\nscenarios:\n  - id: a\n    title: A\n    inject: { postgres: primary_down }\n    expect: { alert: r, severity: P1, severity_source: configured, runbook: r.md#x }\n');
      const err = await loadGameDaySpec(dir).then(() => undefined, (e: unknown) => e);
      expect(isOpsbookError(err) && err.code).toBe('OPSBOOK_E_GAMEDAY_INVALID');
      expect((err as Error).message).toContain('failover needs a replica to promote (replica: true)');
      expect((err as Error).message).toContain('→ at postgres');
      expect(isOpsbookError(err) && err.location).toMatchObject({ file: join(dir, 'gameday.yaml'), line: 4 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  /** examples/apex/gameday.yaml with its text changed, in a directory of its own. */
  const apexWith = async (change: (text: string) => string): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), 'opsbook-gameday-spec-'));
    const text = await readFile('examples/apex/gameday.yaml', 'utf8');
    const changed = change(text);
    expect(changed, 'the change applies').not.toBe(text);
    await writeFile(join(dir, 'gameday.yaml'), changed);
    return dir;
  };
  const lineOf = (text: string, piece: string): number => text.slice(0, text.indexOf(piece)).split('\n').length;

  it('takes one recovery test or a list; apex runs its pg_dump restore and its point-in-time recovery', async () => {
    const apex = await loadGameDaySpec('examples/apex');
    expect(apex.recovery).toEqual([
      { procedure: 'runbooks/apex.md#test-restore-procedure', method: 'pg_dump' },
      { procedure: 'runbooks/apex.md#point-in-time-recovery', method: 'point_in_time' },
    ]);
    const novapulse = await loadGameDaySpec('examples/novapulse');
    expect(novapulse.recovery).toEqual([{ procedure: 'runbooks/novapulse.md#recovery-procedures', method: 'pg_dump' }]);
  });

  it('refuses a point-in-time recovery test on a world that archives no WAL, naming the place', async () => {
    const dir = await apexWith((t) => t.replace('database: apex, archive: true }', 'database: apex }'));
    try {
      const err = await loadGameDaySpec(dir).then(() => undefined, (e: unknown) => e);
      expect(isOpsbookError(err) && err.code).toBe('OPSBOOK_E_GAMEDAY_INVALID');
      expect((err as Error).message).toContain('it needs postgres: { archive: true } → at recovery[1].method');
      const text = await readFile(join(dir, 'gameday.yaml'), 'utf8');
      expect(isOpsbookError(err) && err.location).toMatchObject({ file: join(dir, 'gameday.yaml'), line: lineOf(text, 'method: point_in_time') });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names the place of a bad single recovery test as written, and of writes_for_minutes on a point-in-time one', async () => {
    const single = await apexWith((t) => t.replace(/^recovery:\n( {2}- .*\n)+/m, 'recovery: { procedure: "runbooks/apex.md#test-restore-procedure", method: snapshot }\n'));
    const pitr = await apexWith((t) => t.replace('method: point_in_time }', 'method: point_in_time, writes_for_minutes: 5 }'));
    try {
      const err = await loadGameDaySpec(single).then(() => undefined, (e: unknown) => e);
      expect((err as Error).message).toMatch(/→ at recovery\.method$/);
      const text = await readFile(join(single, 'gameday.yaml'), 'utf8');
      expect(isOpsbookError(err) && err.location).toMatchObject({ path: 'recovery.method', line: lineOf(text, 'method: snapshot') });
      const err2 = await loadGameDaySpec(pitr).then(() => undefined, (e: unknown) => e);
      expect((err2 as Error).message).toContain('writes_for_minutes is for method: pg_dump');
      expect((err2 as Error).message).toContain('→ at recovery[1].writes_for_minutes');
    } finally {
      await rm(single, { recursive: true, force: true });
      await rm(pitr, { recursive: true, force: true });
    }
  });

  it('every seed system has a game day whose scenarios name the seed runbook’s own procedures', async () => {
    for (const system of ['nxentra', 'novapulse', 'django-finance', 'library', 'apex']) {
      const spec = await loadGameDaySpec(`examples/${system}`);
      expect(spec.system).toBe(system);
      for (const s of spec.scenarios) expect(s.expect.runbook).toMatch(new RegExp(`^runbooks/${system}\\.md#`));
    }
  });
});
