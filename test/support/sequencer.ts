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
 * The 30 slowest files of a full run on the 2-core machine (3,823 of its 5,153 s of file time), slowest
 * first, from the run's vitest.json, and two that were among the slowest of a fresh-clone CI run.
 */
export const SLOW_FILES = [
  'test/gameday/gameday.test.ts',
  'src/cli/commands/execution-cli.test.ts',
  'src/cli/commands/run-step.test.ts',
  'test/daemon/tokens-e2e.test.ts',
  'src/executions/shell.test.ts',
  'test/store/audit-archive.test.ts',
  'src/cli/commands/oncall.test.ts',
  'test/store/schema-version.test.ts',
  'test/daemon/serve.test.ts',
  'test/cli/incident-cli.test.ts',
  'src/config-tests/cli.test.ts',
  'src/cli/commands/notify.test.ts',
  'test/cli/remote-cli.test.ts',
  'test/cluster/cluster.test.ts',
  'test/ui/cockpit.test.ts',
  // 5 min each in an earlier fresh-clone CI run (load 3–6), under 1 min in this one.
  'test/ui/a11y.test.ts',
  'test/cli/remote-state.test.ts',
  'test/cluster/lost-database.test.ts',
  'test/daemon/config-attack.test.ts',
  'test/cli/check-list.test.ts',
  'test/store/crash.test.ts',
  'test/daemon/serve-port.test.ts',
  'test/notify/crash.test.ts',
  'src/cli/commands/import.test.ts',
  'test/http/edges.test.ts',
  'src/runbooks/parse.property.test.ts',
  'src/executions/scheduler.test.ts',
  'src/runbooks/prechecks.property.test.ts',
  'test/gameday/interrupt.test.ts',
  'src/executions/audit-transaction.test.ts',
  'src/runbooks/speedups.test.ts',
  'src/cli/commands/report.test.ts',
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
