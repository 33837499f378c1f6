/**
 * The order vitest hands test files to its two workers. With timings of an earlier run (its cache in
 * node_modules/.vite) vitest starts the longest files first by itself; a fresh clone (CI) has none,
 * and vitest then starts the largest files (in bytes) first, which may start a file of several
 * minutes near the end and leave one worker idle while the other runs it alone. Here, without those
 * timings, the files known to be slow start first, in this order, and the rest follow in vitest's own
 * order. The list only orders: a file missing from it, or listed and gone, changes nothing else.
 */
import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The slowest files of two fresh-clone CI runs on the 2-core machine (8 Dec 2026, `npm test` 490 s and
 * 457 s), by their mean file time in vitest.json, slowest first — 396 of their 845 s of file time. The
 * game day's file comes first: its time there (6.5 s) leaves out its 17 s `beforeAll`, which runs the
 * seed system's whole game day.
 */
export const SLOW_FILES = [
  'test/gameday/gameday.test.ts',
  'test/http/bad-input.test.ts',
  'test/ui/a11y.test.ts',
  'test/notify/dead-owner.test.ts',
  'test/cluster/lost-database.test.ts',
  'src/checks/kinds/celery/celery.test.ts',
  'test/daemon/step-holder-lapse.test.ts',
  'test/ui/execution-live.test.ts',
  'test/ui/cockpit.test.ts',
  'test/cluster/cluster.test.ts',
  'src/notify/worker.test.ts',
  'test/cluster/handover-first-probe.test.ts',
  'src/cli/commands/validate.test.ts',
  'test/store/store-busy.test.ts',
  'test/cli/interrupted-run-postgres.test.ts',
  'test/daemon/interrupted-step.test.ts',
  'src/cli/commands/execution-cli.test.ts',
  'test/cluster/clean-stop.test.ts',
  'test/store/lock-wait.test.ts',
  'test/store/schema-version.test.ts',
  'test/cluster/response-missed.test.ts',
  'test/cli/incident-cli.test.ts',
  'test/daemon/stop-running-step.test.ts',
  'src/cli/commands/oncall.test.ts',
  'test/cli/usage-exit.test.ts',
  'test/gameday/faults/celery.test.ts',
  'test/cli/remote-state.test.ts',
  'src/executions/stalled-steps.test.ts',
  'test/gameday/faults/failover.test.ts',
  'test/daemon/serve.test.ts',
];

export class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const root = this.ctx.config.root;
    const key = (f: TestSpecification) => path.relative(root, f.moduleId).split(path.sep).join('/');
    // vitest's own timings, when it has them for most files, know better than this list.
    const timed = sorted.filter((f) => this.ctx.cache.getFileTestResults(`${f.project.name}:${path.relative(root, f.moduleId)}`)).length;
    if (timed * 2 > sorted.length) return sorted;
    const rank = (f: TestSpecification) => {
      const i = SLOW_FILES.indexOf(key(f));
      return i === -1 ? SLOW_FILES.length : i;
    };
    return sorted.map((f, i) => ({ f, i, r: rank(f) })).sort((a, b) => a.r - b.r || a.i - b.i).map(({ f }) => f);
  }
}
