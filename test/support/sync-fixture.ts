import type { Connection } from '../../src/connection/connection.js'
import { createConnection } from '../../src/connection/create-connection.js'
import type { SyncEngineOptions } from '../../src/engine/resolve-engine-options.js'
import { SyncEngine } from '../../src/engine/sync-engine.js'
import type { Mapping } from '../../src/mappings/mapping.js'
import { SalesforceEmulator } from '../../src/testing/emulator/index.js'
import { InMemorySalesforceAdapter } from '../../src/testing/in-memory-salesforce-adapter.js'
import { InMemoryOrg } from '../../src/testing/org/index.js'
import type { TestDatabase } from './test-database.js'

/** An org, an adapter over it, a connection to the test database and an engine, installed. */
export interface SyncFixture {
  readonly org: InMemoryOrg
  /** The in-memory adapter over the org (the engine uses jsforce instead when `over: 'http'`). */
  readonly adapter: InMemorySalesforceAdapter
  readonly connection: Connection
  readonly engine: SyncEngine
  /** The HTTP emulator of the org, when `over: 'http'`. */
  readonly emulator: SalesforceEmulator | undefined
  /** Rows of a mapped table, by sfid then id. */
  rows(table: string, columns?: string): Promise<Record<string, unknown>[]>
  /** Number of rows of a mapped table. */
  count(table: string): Promise<number>
  /** `_trigger_log` entries (state, action, record_id). */
  log(): Promise<{ state: string; action: string; record_id: number; sf_message: string | null }[]>
  close(): Promise<void>
}

/**
 * Builds a fresh schema on the file's database for each call (schema `s_<n>`), so tests in a file
 * do not see each other's rows. Sources default to none: tests drive `syncOnce()` themselves.
 */
let counter = 0
export async function syncFixture(
  db: TestDatabase,
  mappings: readonly Mapping[],
  options: Partial<SyncEngineOptions> & {
    org?: InMemoryOrg
    /** `http`: real jsforce over HTTP to a `SalesforceEmulator` of the org. @default 'in-memory' */
    over?: 'in-memory' | 'http'
  } = {},
): Promise<SyncFixture> {
  counter += 1
  const schema = `s_${process.pid}_${counter}`
  const { org: givenOrg, over, ...engineOptions } = options
  const org = givenOrg ?? new InMemoryOrg()
  const adapter = new InMemorySalesforceAdapter(org)
  const emulator = over === 'http' ? await SalesforceEmulator.start({ org }) : undefined
  const connection = await createConnection({
    salesforce: emulator
      ? { instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken }
      : adapter,
    postgres: db.pool,
    schema,
  })
  const engine = new SyncEngine({ sources: [], ...engineOptions, connection, mappings })
  await engine.install()
  return {
    org,
    adapter,
    connection,
    engine,
    emulator,
    async rows(table, columns = '*') {
      const { rows } = await db.pool.query(
        `SELECT ${columns} FROM "${schema}"."${table}" ORDER BY sfid NULLS LAST, id`,
      )
      return rows
    },
    async count(table) {
      const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM "${schema}"."${table}"`)
      return rows[0]?.n as number
    },
    async log() {
      const { rows } = await db.pool.query(
        `SELECT state, action, record_id, sf_message FROM "${schema}"._trigger_log ORDER BY id`,
      )
      return rows
    },
    async close() {
      await engine.stop()
      await connection.close()
      await emulator?.stop()
      await db.pool.query(`DROP SCHEMA "${schema}" CASCADE`)
    },
  }
}
