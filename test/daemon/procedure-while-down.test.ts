/**
 * A procedure run by `cron` (a morning restore test) and a daemon on SQLite that is killed (SIGKILL)
 * and started again. Mornings that fell due while it was down run once at its start, for the latest of
 * them; a morning it ran before the kill — even one killed mid-run — is not run again; the next
 * mornings run at their time. A real daemon in a child process (test/torture/daemon-child.ts) on a
 * simulated clock, a real SQLite file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DaemonsOnOneStore, type KillableDaemon } from '../support/killable-daemon.js';
import { scaled } from '../support/timing.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Monday 2 March 2026, 06:00 UTC: an hour before the first morning. */
const T0 = Date.parse('2026-03-02T06:00:00Z');
const morning = (day: number) => T0 + day * DAY + HOUR;

const RUNBOOK = `# Ops

## RB-7: Morning restore test

**Verification:**
\`\`\`bash
cat healthy.flag
\`\`\`
`;

describe('a procedure run by cron, across a kill of the daemon on SQLite', () => {
  let dir = '';

  afterEach(async () => {
    await daemons.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }, scaled(60_000));

  const setUp = async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-procedure-down-'));
    fs.mkdirSync(path.join(dir, 'runbooks'));
    fs.writeFileSync(path.join(dir, 'runbooks/ops.md'), RUNBOOK);
    fs.writeFileSync(path.join(dir, 'healthy.flag'), 'ok\n');
    fs.writeFileSync(
      path.join(dir, 'ops.yaml'),
      `storage:\n  url: "${path.join(dir, 'opsbook.db')}"\nservices:\n  - { id: web, shell: { cwd: "." } }\nrunbooks: [runbooks/ops.md]\nprocedures:\n  "runbooks/ops.md#rb-7": { service: web, cron: "0 7 * * *", time_zone: UTC }\n`,
    );
  };
  const daemons = new DaemonsOnOneStore(() => dir);
  const start = (at: number) => daemons.start(at);
  const kill = (d: KillableDaemon) => daemons.kill(d);
  /** The scheduled runs stored: when each started on the clock, and how it ended. */
  const runs = async () =>
    (await daemons.store.db.selectFrom('executions').select(['started_at', 'state']).where('trigger', '=', 'cron').orderBy('started_at').execute()).map((r) => ({
      at: new Date(Number(r.started_at)).toISOString(),
      state: r.state,
    }));
  /** Waits until `n` scheduled runs are stored and none is still running. */
  const finished = (n: number) =>
    expect.poll(async () => (await runs()).filter((r) => r.state !== 'running').length, { timeout: scaled(30_000), interval: 50 }).toBe(n);

  it('runs the mornings missed while it was down once, at its start, for the latest of them', async () => {
    await setUp();
    const first = await start(T0);
    await first.advanceTo(morning(0) + 30 * 60_000);
    await finished(1);
    await kill(first);

    // Down from Monday 07:30 to Wednesday 08:00: Tuesday's and Wednesday's mornings went by.
    const second = await start(morning(2) + HOUR);
    await second.advanceTo(morning(2) + HOUR + 60_000);
    await finished(2);
    // Thursday's at its time, and nothing more.
    await second.advanceTo(morning(3) + HOUR);
    await finished(3);
    expect(await runs()).toEqual([
      { at: '2026-03-02T07:00:00.000Z', state: 'passed' },
      { at: '2026-03-04T08:00:00.000Z', state: 'passed' },
      { at: '2026-03-05T07:00:00.000Z', state: 'passed' },
    ]);
  }, scaled(180_000));

  it('does not run a morning again that it ran before the kill', async () => {
    await setUp();
    const first = await start(T0);
    await first.advanceTo(morning(0));
    await finished(1);
    await kill(first);

    // Started again the same morning, a minute later: Monday's run is done.
    const second = await start(morning(0) + 60_000);
    await second.advanceTo(morning(0) + 10 * 60_000);
    await second.advanceTo(morning(1) - 60_000);
    expect(await runs()).toEqual([{ at: '2026-03-02T07:00:00.000Z', state: 'passed' }]);
    await second.advanceTo(morning(1));
    await finished(2);
    expect((await runs()).map((r) => r.at)).toEqual(['2026-03-02T07:00:00.000Z', '2026-03-03T07:00:00.000Z']);
  }, scaled(180_000));
});
