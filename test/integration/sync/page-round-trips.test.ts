import { afterEach, expect, it } from 'vitest'
import type { Connection } from '../../../src/connection/connection.js'
import { createConnection } from '../../../src/connection/create-connection.js'
import { SyncEngine } from '../../../src/engine/sync-engine.js'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { InMemorySalesforceAdapter } from '../../../src/testing/in-memory-salesforce-adapter.js'
import { InMemoryOrg } from '../../../src/testing/org/in-memory-org.js'
import { useTestDatabase } from '../../support/test-database.js'
import { watchedConnection } from '../../support/watched-pool.js'

// A page (or a Bulk 2.0 batch) is applied under a savepoint taken in the round trip that opens
// its transaction, and released by its commit: two round trips fewer a page
// (docs/concepts/performance.md). A record Postgres refuses still fails alone
// (values-from-salesforce.test.ts).
const db = useTestDatabase()
let connection: Connection | undefined
afterEach(async () => {
  await connection?.close()
})

/** The statements of each transaction that applied a page (opened with the page savepoint). */
function pageTransactions(statements: readonly string[]): string[][] {
  const transactions: string[][] = []
  let current: string[] | undefined
  for (const statement of statements) {
    if (statement.startsWith('BEGIN'))
      current = statement.includes('SAVEPOINT pgforce_page') ? [] : undefined
    current?.push(statement)
    if (statement === 'COMMIT' && current) transactions.push(current)
    if (statement === 'COMMIT') current = undefined
  }
  return transactions
}

it.each([
  // A Bulk 2.0 batch: BEGIN with the savepoint, the upsert, COMMIT (the cursor moves in the
  // load's last transaction, after the batches).
  ['Bulk 2.0 batches', 12_000, 24, 3],
  // A REST page also moves the cursor.
  ['REST pages', 6_000, 3, 4],
])(
  'applies %s of a read-only mapping in few round trips',
  async (_, records, pages, roundTrips) => {
    const org = new InMemoryOrg()
    org.insert(
      'Account',
      Array.from({ length: records }, (_, i) => ({ Name: `Load ${i}` })),
    )
    const statements: string[] = []
    const schema = `round_trips_${process.pid}_${records}`
    connection = await createConnection({
      salesforce: new InMemorySalesforceAdapter(org),
      postgres: db().pool,
      schema,
    })
    const engine = new SyncEngine({
      connection: watchedConnection(connection, db().pool, ({ text }) => statements.push(text)),
      mappings: [defineMapping({ object: 'Account', fields: ['Name'] })],
      sources: [],
    })
    await engine.install()
    statements.length = 0
    const report = await engine.syncOnce()
    expect(report.pulls[0]?.inserted).toBe(records)
    const transactions = pageTransactions(statements)
    expect(transactions).toHaveLength(pages)
    expect(transactions.map((t) => t.length)).toEqual(Array(pages).fill(roundTrips))
    expect(statements.filter((s) => s.includes('RELEASE SAVEPOINT'))).toEqual([])
    await db().pool.query(`DROP SCHEMA "${schema}" CASCADE`)
  },
)
