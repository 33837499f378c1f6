import { afterEach, describe, expect, it } from 'vitest';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SimulatedClock } from '../lib/clock.js';
import { ProcedureScheduler, type UnattendedRun } from './scheduler.js';
import { recoveryTestHistory } from './recovery.js';
import { harness, responder, type Harness } from './test-support.js';

const MORNING = `# Ops

## RB-7: Morning checks

**Diagnosis:**
\`\`\`bash
cat healthy.flag
\`\`\`

**Resolution:**
\`\`\`bash
touch restarted.flag
\`\`\`
`;

/** RB-7 by cron every morning at 07:00 in `timeZone`, its second step pre-approved, its flag green. */
async function morningHarness(clock: SimulatedClock, timeZone: string): Promise<Harness> {
  const h = await harness({
    clock,
    config: {
      services: [{ id: 'web', shell: { cwd: '.' } }],
      procedures: { 'ops.md#rb-7': { service: 'web', cron: '0 7 * * *', time_zone: timeZone, pre_approved: [2] } },
    },
    runbooks: [{ file: 'ops.md', text: MORNING }],
  });
  await writeFile(join(h.dir, 'healthy.flag'), 'green\n');
  return h;
}

describe('cron procedures', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.cleanup();
    h = undefined;
  });

  it('runs at its cron times in its time zone; a failing run is reported for an incident', async () => {
    const clock = new SimulatedClock('2026-03-02T05:00:00Z');
    h = await morningHarness(clock, 'Europe/Berlin');
    const runs: UnattendedRun[] = [];
    const failures: UnattendedRun[] = [];
    let waiting: (() => void) | undefined;
    const scheduler = new ProcedureScheduler({
      clock,
      config: h.config,
      service: h.service,
      onRun: (run) => {
        runs.push(run);
        waiting?.();
      },
      onFailure: (run) => {
        failures.push(run);
      },
    });
    const nextRun = (): Promise<void> => new Promise((resolve) => (waiting = resolve));
    scheduler.start();

    // 06:59 UTC on 2 March is 07:59 in Berlin (CET): the 07:00 run was at 06:00 UTC.
    let done = nextRun();
    await clock.advanceTo(Date.parse('2026-03-02T06:00:00Z'));
    await done;
    expect(runs.map((r) => new Date(r.dueAt).toISOString())).toEqual(['2026-03-02T06:00:00.000Z']);
    expect(runs[0]!.outcome.state).toBe('passed');
    expect(failures).toEqual([]);
    const transcript = await h.service.transcript(runs[0]!.id);
    expect(transcript.map((e) => [e.step, e.status, e.approval?.how])).toEqual([
      [1, 'ok', 'read'],
      [2, 'ok', 'pre_approved'],
    ]);
    expect(transcript[0]!.stdout).toBe('green\n');

    await rm(join(h.dir, 'healthy.flag'));
    done = nextRun();
    await clock.advanceTo(Date.parse('2026-03-03T06:30:00Z'));
    await done;
    expect(failures.map((r) => new Date(r.dueAt).toISOString())).toEqual(['2026-03-03T06:00:00.000Z']);
    expect(failures[0]!.outcome.state).toBe('failed');
    expect(failures[0]!.trigger).toBe('cron');
    expect((await h.service.listExecutions()).length).toBe(2);

    // After the switch to summer time (29 March), 07:00 Berlin is 05:00 UTC.
    await scheduler.stop();
    await writeFile(join(h.dir, 'healthy.flag'), 'green\n');
    await clock.advanceTo(Date.parse('2026-03-30T04:00:00Z'));
    const later = new ProcedureScheduler({ clock, config: h.config, service: h.service, onRun: (run) => { runs.push(run); waiting?.(); }, onFailure: (run) => { failures.push(run); } });
    later.start();
    done = nextRun();
    await clock.advanceTo(Date.parse('2026-03-30T05:00:00Z'));
    await done;
    expect(new Date(runs.at(-1)!.dueAt).toISOString()).toBe('2026-03-30T05:00:00.000Z');
    expect(runs.at(-1)!.outcome.state).toBe('passed');
    await later.stop();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('runs a due procedure only where mayRun says so (in a cluster, the singletons holder), and re-arms the cron either way', async () => {
    const clock = new SimulatedClock('2026-03-02T05:00:00Z');
    h = await morningHarness(clock, 'UTC');
    const holderRuns: UnattendedRun[] = [];
    const otherRuns: UnattendedRun[] = [];
    let holds = true;
    let waiting: (() => void) | undefined;
    const nextRun = (): Promise<void> => new Promise((r) => (waiting = r));
    const options = { clock, config: h.config, service: h.service, onFailure: () => undefined };
    const holder = new ProcedureScheduler({ ...options, mayRun: () => holds, onRun: (run) => { holderRuns.push(run); waiting?.(); } });
    const other = new ProcedureScheduler({ ...options, mayRun: () => !holds, onRun: (run) => { otherRuns.push(run); waiting?.(); } });
    holder.start();
    other.start();
    let done = nextRun();
    await clock.advanceTo(Date.parse('2026-03-02T07:00:00Z'));
    await done;
    // The lease moves to the other process before the next day's run.
    holds = false;
    done = nextRun();
    await clock.advanceTo(Date.parse('2026-03-03T07:00:00Z'));
    await done;
    await holder.stop();
    await other.stop();
    expect(holderRuns.map((r) => new Date(r.dueAt).toISOString())).toEqual(['2026-03-02T07:00:00.000Z']);
    expect(otherRuns.map((r) => new Date(r.dueAt).toISOString())).toEqual(['2026-03-03T07:00:00.000Z']);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('has recorded a run it launched before a clock waiting on `started` moves past its due time', async () => {
    const clock = new SimulatedClock('2026-03-05T06:00:00Z');
    h = await morningHarness(clock, 'UTC');
    const runs: UnattendedRun[] = [];
    let waiting: (() => void) | undefined;
    // The claim answers after real time has passed (a loaded machine, a store another process writes).
    const claim = () => new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 50));
    const scheduler = new ProcedureScheduler({ clock, config: h.config, service: h.service, claim, onFailure: () => undefined, onRun: (run) => {
      runs.push(run);
      waiting?.();
    } });
    // Other work on the clock every minute (housekeeping, evaluators), as in the daemon.
    const tick = (at: number): void => void clock.at(at, () => tick(at + 60_000));
    tick(Date.parse('2026-03-05T06:01:00Z'));
    scheduler.start();
    const done = new Promise<void>((resolve) => (waiting = resolve));
    await clock.advanceTo(Date.parse('2026-03-05T08:00:00Z'), () => scheduler.started());
    await done;
    await scheduler.stop();
    expect(runs.map((r) => [new Date(r.dueAt).toISOString(), new Date(r.startedAt).toISOString()])).toEqual([
      ['2026-03-05T07:00:00.000Z', '2026-03-05T07:00:00.000Z'],
    ]);
  });

  it('records the achieved recovery time against the recovery_test targets', async () => {
    const clock = new SimulatedClock('2026-04-01T10:00:00Z');
    const text = `# DR\n\n## RB-8: Restore test\n\n**Resolution:**\n\`\`\`bash\ntouch restored.flag\n\`\`\`\n\n**Verification:**\n\`\`\`bash\ncat restored.flag\n\`\`\`\n`;
    h = await harness({
      clock,
      config: { services: [{ id: 'db', shell: { cwd: '.' } }], procedures: { 'dr.md#rb-8': { recovery_test: { rpo: '1h', rto: '30m' } } } },
      runbooks: [{ file: 'dr.md', text }],
    });
    const { id } = await h.service.start('dr.md#RB-8', responder);
    await clock.advance(10 * 60_000);
    expect((await h.service.runStep(id, 1, responder, { yes: true })).status).toBe('ok');
    await clock.advance(12 * 60_000);
    expect((await h.service.runStep(id, 2, responder)).status).toBe('ok');
    await clock.advance(60 * 60_000);
    const done = await h.service.finish(id, responder);
    expect(done.outcome.state).toBe('passed');
    const history = await recoveryTestHistory(h.store, 'dr.md#RB-8');
    expect(history).toEqual([
      expect.objectContaining({ executionId: id, achievedRtoMs: 22 * 60_000, targetRtoMs: 30 * 60_000, targetRpoMs: 3_600_000, met: true }),
    ]);
  });
});
