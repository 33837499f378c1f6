import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    // The CLI the tests spawn runs from dist/: built here when missing or older than src/.
    globalSetup: ['test/support/build-dist.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores here; more workers only add contention on the shared PostgreSQL and Redis.
    maxWorkers: 2,
  },
});
