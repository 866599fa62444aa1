import { defineConfig } from 'vitest/config';

// Two projects: pure unit tests run in parallel threads; live suites (real OVS/OVN/FRR/sshd
// processes) run in forks with long timeouts, since each one starts daemons of its own.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.live.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'live',
          include: ['test/**/*.live.test.ts'],
          pool: 'forks',
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
