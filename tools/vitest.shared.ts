import { defineConfig } from 'vitest/config';

/** Shared vitest settings; each package merges its own on top. */
export default defineConfig({
  test: {
    environment: 'node',
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    include: ['test/**/*.test.ts'],
    // The machines are shared and have 2 cores: run files one after the other so
    // tests that spawn workers do not starve each other.
    fileParallelism: false,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
