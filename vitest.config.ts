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
    // Tests that need the store's schema copy it from one store migrated per run (PostgreSQL, SQLite).
    globalSetup: ['test/support/build-dist.ts', 'test/support/pg-store-template.ts', 'test/support/sqlite-store-template.ts'],
    // These only stop a test that hangs; a test's own waits are bounds scaled to the machine's load
    // (test/support/timing.ts). They are far above any test's quiet-machine time because the heaviest
    // tests (a game day with its private PostgreSQL cluster, 120 shell runs of a property test) take
    // 20-60 s on a quiet machine and grew past 180 s at load 17 on two cores while passing.
    testTimeout: 900_000,
    hookTimeout: 900_000,
    // Two cores here; more workers only add contention on the shared PostgreSQL and Redis.
    maxWorkers: 2,
    // A fresh clone has no timings of an earlier run: the slowest files start first (test/support/sequencer.ts).
    sequence: { sequencer: SlowFirstSequencer },
  },
});
