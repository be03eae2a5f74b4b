import { afterEach, expect, it } from 'vitest'
import type { Connection } from '../../../src/connection/connection.js'
import { createConnection } from '../../../src/connection/create-connection.js'
import { SyncEngine } from '../../../src/engine/sync-engine.js'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { SalesforceStreamingSource } from '../../../src/sources/salesforce-streaming-source.js'
import { SalesforceEmulator } from '../../../src/testing/emulator/index.js'
import { InMemorySalesforceAdapter } from '../../../src/testing/in-memory-salesforce-adapter.js'
import { InMemoryOrg } from '../../../src/testing/org/in-memory-org.js'
import { useTestDatabase } from '../../support/test-database.js'
import { waitFor } from '../../support/wait-for.js'

// Every Salesforce call the engine makes goes through its metered adapter: what the org counts is
// what the API usage table (and so the budget) counts — describes, streaming set-up, pulls,
// pushes and reconcile alike.
const db = useTestDatabase()
const account = defineMapping({ object: 'Account', access: 'read_write', fields: ['Name'] })
let emulator: SalesforceEmulator | undefined
let connection: Connection | undefined
let engine: SyncEngine | undefined
afterEach(async () => {
  await engine?.stop()
  await connection?.close()
  await emulator?.stop()
})

async function counted(schema: string): Promise<number> {
  const { rows } = await db().pool.query<{ calls: number }>(
    `SELECT coalesce(sum(calls), 0)::int AS calls FROM "${schema}"._pgforce_api_usage WHERE object = '*'`,
  )
  return rows[0]?.calls ?? 0
}

it('the API usage table counts every call the org received', async () => {
  emulator = await SalesforceEmulator.start()
  emulator.org.insert('Account', [{ Name: 'Acme' }, { Name: 'Globex' }])
  const schema = `metering_${process.pid}`
  connection = await createConnection({
    salesforce: { instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken },
    postgres: db().pool,
    schema,
  })
  const org = emulator.org
  const before = org.api.used
  engine = new SyncEngine({
    connection,
    mappings: [account],
    // PushTopic streaming: setting it up queries and creates a PushTopic over REST.
    sources: [new SalesforceStreamingSource({ kind: 'pushtopic' })],
    apiBudget: { dailyCalls: 1_000 },
  })
  const e = engine
  await e.install() // describes Account (before the usage table exists)
  let pulled = 0
  e.on('pull:completed', () => {
    pulled += 1
  })
  await e.start() // the PushTopic, the startup pull and push
  await waitFor(() => pulled > 0)
  await waitFor(async () => (await counted(schema)) === org.api.used - before, 5_000, 'the counts')
  // Stopped, nothing else calls (a catch-up pull after the stream connects, say): what reconcile
  // makes is all the org sees next.
  await e.stop()
  const beforeReconcile = org.api.used
  // A COUNT and the most recent records (both Accounts: none left to sample by id), no second
  // describe.
  await e.reconcile()
  expect(org.api.used - beforeReconcile).toBe(2)
  expect(await counted(schema)).toBe(org.api.used - before)
  expect(org.all('PushTopic')).toHaveLength(1)
  await db().pool.query(`DROP SCHEMA "${schema}" CASCADE`)
})

/**
 * A Bulk 2.0 load of 12 000 records (pages of 5 000, slices of 1 000), its job answering InProgress
 * twice (three status polls), through `salesforce`: the usage table counts what the org counted.
 */
async function loadAndCompare(
  org: InMemoryOrg,
  salesforce: Parameters<typeof createConnection>[0]['salesforce'],
  schema: string,
): Promise<void> {
  org.insert(
    'Account',
    Array.from({ length: 12_000 }, (_, i) => ({ Name: `Load ${i}` })),
  )
  connection = await createConnection({ salesforce, postgres: db().pool, schema })
  engine = new SyncEngine({
    connection,
    mappings: [account],
    sources: [],
    apiBudget: { dailyCalls: 100_000 },
  })
  const before = org.api.used
  await engine.install()
  org.faults.slowBulkQueries(2)
  const report = await engine.syncOnce()
  expect(report.pulls[0]?.inserted).toBe(12_000)
  expect(await counted(schema)).toBe(org.api.used - before)
  await db().pool.query(`DROP SCHEMA "${schema}" CASCADE`)
}

it('counts one call per Bulk 2.0 result page however the adapter slices it, and every status poll', async () => {
  emulator = await SalesforceEmulator.start()
  await loadAndCompare(
    emulator.org,
    { instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken },
    `metering_bulk_${process.pid}`,
  )
})

it("counts what the in-memory adapter's org counts for a Bulk 2.0 load and its status polls", async () => {
  const org = new InMemoryOrg()
  await loadAndCompare(org, new InMemorySalesforceAdapter(org), `metering_memory_${process.pid}`)
})
