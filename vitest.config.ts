import { defineConfig } from 'vitest/config';
import { SlowFirstSequencer } from './test/support/sequencer.js';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    // Each of the two worker processes runs its test files one after the other with the modules it
    // already imported: a fresh process per file spent more time importing opsbook (most of src/,
    // per file) than running the tests (measured on src/import + src/runbooks, 30 files: 454 s → 180 s
    // at load 30). Safe here because no test mocks modules, stubs globals or changes process.env,
    // and every test closes what it opens (servers, daemons, child processes).
    isolate: false,
    // The CLI the tests spawn runs from dist/: built here when missing or older than src/.
    globalSetup: ['test/support/build-dist.ts'],
    // Generous: a test's own waits are bounds scaled to the machine's load (test/support/timing.ts);
    // these only stop a test that hangs. On two loaded cores a CLI start alone can take seconds.
    testTimeout: 180_000,
    hookTimeout: 240_000,
    // Two cores here; more workers only add contention on the shared PostgreSQL and Redis.
    maxWorkers: 2,
    // A fresh clone has no timings of an earlier run: the slowest files start first (test/support/sequencer.ts).
    sequence: { sequencer: SlowFirstSequencer },
  },
});
