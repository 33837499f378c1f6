import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    // The CLI the tests spawn runs from dist/: built here when missing or older than src/.
    globalSetup: ['test/support/build-dist.ts'],
    // Generous: a test's own waits are bounds scaled to the machine's load (test/support/timing.ts);
    // these only stop a test that hangs. On two loaded cores a CLI start alone can take seconds.
    testTimeout: 180_000,
    hookTimeout: 240_000,
    // Two cores here; more workers only add contention on the shared PostgreSQL and Redis.
    maxWorkers: 2,
  },
});
