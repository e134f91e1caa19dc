import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'data/**'],
    // Integration tests start nats-server and the embedded ClickHouse engine.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // chdb allows one data directory per process: each test file gets its own fork.
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
  },
});
