/**
 * The output of a running command saved to its `running` entry (RunningOutput): the first output at
 * once, what follows at most once every OUTPUT_SAVE_MS (driven by vitest's simulated timers here).
 * On a real SQLite file and a real PostgreSQL database.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { appendExecutionEntry, insertExecution, listExecutionEntries, openStore, type Store } from '../store/index.js';
import { storeTargets } from '../../test/support/store-targets.js';
import { postgresUp } from '../../test/support/services.js';
import { scaled } from '../../test/support/timing.js';
import { OUTPUT_SAVE_MS, RunningOutput } from './running-output.js';

/**
 * Resolves once `check` passes; the timers are simulated in these tests, so the wait turns the event
 * loop (setImmediate) rather than a timer, bounded by the real clock.
 */
async function eventually(check: () => Promise<void>): Promise<void> {
  for (const end = Date.now() + scaled(10_000); ; ) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() > end) throw e;
      await new Promise((r) => setImmediate(r));
    }
  }
}

const pgOk = await postgresUp();

describe.each(storeTargets('opsbook-running-output', { migrated: true }))('the output of a running command ($name)', (target) => {
  let store: Store | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  let n = 0;
  const skip = target.name === 'postgres' && !pgOk;

  beforeAll(async () => {
    if (skip) return;
    const db = await target.open();
    cleanup = db.cleanup;
    store = await openStore({ url: db.url });
  });
  afterAll(async () => {
    await store?.close();
    await cleanup?.();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A `running` entry of a new execution; its id. */
  async function runningEntry(): Promise<{ executionId: string; entryId: string }> {
    const executionId = `exe_running_output_${++n}`;
    const at = Date.parse('2026-03-02T09:00:00Z');
    await insertExecution(store!.db, { id: executionId, procedure: 'web.md#RB-1', title: 'Wait', service: null, incident_id: null, state: 'running', trigger: 'manual', started_by: 'res', started_at: at, finished_at: null, updated_at: at, plan: '{}' });
    const entryId = `xen_running_output_${n}`;
    await appendExecutionEntry(store!.db, store!.dialect, {
      id: entryId, execution_id: executionId, step: 1, command: 1, kind: 'command', actor: 'res', at, duration_ms: null, target: null, effect: 'read', text: 'echo started',
      status: 'running', exit_code: null, approval: null, stdout: '', stderr: '', stdout_bytes: 0, stderr_bytes: 0, truncated: 0, data: '{}',
    });
    return { executionId, entryId };
  }
  const saved = async (executionId: string) => (await listExecutionEntries(store!.db, executionId)).map((e) => e.stdout);

  it.skipIf(skip)('saves the first output at once, not a save interval later', async () => {
    const { executionId, entryId } = await runningEntry();
    const progress = new RunningOutput(store!, entryId, [], (e) => {
      throw e;
    });
    progress.add('stdout', Buffer.from('started\n'));
    // No time passes: stop() only waits for a save already under way.
    await progress.stop();
    expect(await saved(executionId)).toEqual(['started\n']);
  });

  it.skipIf(skip)('saves what follows at most once every OUTPUT_SAVE_MS, and what came meanwhile at its end', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { executionId, entryId } = await runningEntry();
    const errors: unknown[] = [];
    const progress = new RunningOutput(store!, entryId, [], (e) => errors.push(e));
    try {
      progress.add('stdout', Buffer.from('one\n'));
      await eventually(async () => expect(await saved(executionId)).toEqual([`one\n`]));
      progress.add('stdout', Buffer.from('two\n'));
      progress.add('stdout', Buffer.from('three\n'));
      await vi.advanceTimersByTimeAsync(OUTPUT_SAVE_MS - 1);
      expect(await saved(executionId), 'nothing more within the interval').toEqual([`one\n`]);
      await vi.advanceTimersByTimeAsync(1);
      await eventually(async () => expect(await saved(executionId)).toEqual([`one\ntwo\nthree\n`]));
      // Quiet for an interval: the next output is saved at once again.
      await vi.advanceTimersByTimeAsync(OUTPUT_SAVE_MS);
      progress.add('stdout', Buffer.from('four\n'));
      await eventually(async () => expect(await saved(executionId)).toEqual([`one\ntwo\nthree\nfour\n`]));
    } finally {
      await progress.stop();
    }
    expect(errors).toEqual([]);
  });
});
