import { defineConfig } from 'vitest/config';

export default defineConfig({
  // type-graphql and Apollo must share one graphql module; without this, vite loads graphql's ESM and
  // CJS builds side by side ("Cannot use GraphQLObjectType from another module or realm").
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
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
