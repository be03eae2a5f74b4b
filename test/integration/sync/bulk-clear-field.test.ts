import { afterEach, expect, it } from 'vitest'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { BulkWriteStrategy } from '../../../src/strategies/bulk-write-strategy.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'

// Through a Bulk 2.0 job (real jsforce, CSV over HTTP), a field the app cleared is cleared in
// Salesforce: an empty CSV cell would leave it as it was, so an empty value goes as #N/A.
const db = useTestDatabase()
let fixture: SyncFixture | undefined
afterEach(async () => {
  await fixture?.close()
  fixture = undefined
})

it('a field cleared in Postgres is cleared in Salesforce through a Bulk 2.0 job', async () => {
  const mapping = defineMapping({
    object: 'Account',
    access: 'read_write',
    fields: ['Name', 'Industry'],
    externalId: 'External_Id__c',
    writeStrategy: new BulkWriteStrategy({ threshold: 10, pollIntervalMs: 10 }),
  })
  fixture = await syncFixture(db(), [mapping], { over: 'http' })
  const f = fixture
  const schema = `"${f.connection.schema}"`
  await db().pool.query(
    `INSERT INTO ${schema}.account (name, industry, external_id__c)
     SELECT 'A' || g, 'Energy', 'K-' || g FROM generate_series(1, 20) g`,
  )
  await f.engine.syncOnce()
  expect(f.org.all('Account').filter((a) => a.Industry === 'Energy')).toHaveLength(20)
  await db().pool.query(`UPDATE ${schema}.account SET industry = ''`)
  const report = await f.engine.syncOnce()
  expect(report.pushes[0]).toMatchObject({ succeeded: 20, failed: 0 })
  expect(f.org.all('Account').map((a) => a.Industry ?? null)).toEqual(Array(20).fill(null))
}, 60_000)
