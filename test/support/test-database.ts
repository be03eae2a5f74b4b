import { randomBytes } from 'node:crypto'
import { basename } from 'node:path'
import pg from 'pg'
import format from 'pg-format'
import { afterAll, beforeAll, inject } from 'vitest'

/** A database of its own for one test file, on the run's server. */
export interface TestDatabase {
  /** Connection string of the file's own database. */
  readonly url: string
  /** Name of the database. */
  readonly name: string
  /** A small pool on it, closed after the file. */
  readonly pool: pg.Pool
}

/**
 * Creates a fresh database for the calling test file before its tests and drops it after, so test
 * files run in parallel without seeing each other's tables, triggers or notifications.
 *
 * @example
 * ```ts
 * const db = useTestDatabase()
 * it('works', async () => { await db().pool.query('select 1') })
 * ```
 */
export function useTestDatabase(label = callerFile()): () => TestDatabase {
  let current: TestDatabase | undefined
  let admin: pg.Client | undefined
  beforeAll(async () => {
    const serverUrl = inject('postgresUrl')
    const name = databaseName(label)
    admin = new pg.Client({ connectionString: serverUrl })
    await admin.connect()
    await admin.query(format('CREATE DATABASE %I', name))
    const url = withDatabase(serverUrl, name)
    const pool = new pg.Pool({ connectionString: url, max: 6 })
    // pool.end() resolves before idle connections finish closing; the forced drop below may cut
    // them off, and the pool reports that as an 'error' event. Expected at teardown.
    pool.on('error', () => {})
    current = { url, name, pool }
  }, 60_000)
  afterAll(async () => {
    await current?.pool.end()
    if (admin && current)
      await admin.query(format('DROP DATABASE IF EXISTS %I WITH (FORCE)', current.name))
    await admin?.end()
  }, 60_000)
  return () => {
    if (!current)
      throw new Error('useTestDatabase(): the database exists only inside tests and hooks')
    return current
  }
}

function databaseName(label: string): string {
  const slug = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 40)
  return `pgforce_${slug}_${randomBytes(4).toString('hex')}`
}

function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl)
  url.pathname = `/${database}`
  return url.toString()
}

function callerFile(): string {
  const stack = new Error().stack?.split('\n') ?? []
  const line = stack.find((l) => l.includes('.test.ts'))
  const match = line?.match(/([^/\\(]+)\.test\.ts/)
  return match?.[1] ?? basename(process.cwd())
}
