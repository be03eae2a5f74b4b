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

it('a value that is the text #N/A reaches Salesforce as that text, not as null', async () => {
  const mapping = defineMapping({
    object: 'Account',
    access: 'read_write',
    fields: ['Name', 'Industry'],
    writeStrategy: new BulkWriteStrategy({ threshold: 10, pollIntervalMs: 10 }),
  })
  fixture = await syncFixture(db(), [mapping], { over: 'http' })
  const f = fixture
  await db().pool.query(
    `INSERT INTO "${f.connection.schema}".account (name, industry)
     SELECT 'A' || g, '#N/A' FROM generate_series(1, 20) g`,
  )
  const report = await f.engine.syncOnce()
  expect(report.pushes[0]).toMatchObject({ succeeded: 20, failed: 0 })
  expect(f.org.all('Account').map((a) => a.Industry)).toEqual(Array(20).fill('#N/A'))
}, 60_000)

it('inserts with an external id value are upserts even beside one without', async () => {
  const mapping = defineMapping({
    object: 'Account',
    access: 'read_write',
    fields: ['Name'],
    externalId: 'External_Id__c',
    writeStrategy: new BulkWriteStrategy({ threshold: 10, pollIntervalMs: 10 }),
  })
  fixture = await syncFixture(db(), [mapping], { over: 'http' })
  const f = fixture
  // Records Salesforce already has, under the keys the app's rows carry.
  f.org.insert(
    'Account',
    Array.from({ length: 19 }, (_, i) => ({ Name: `Old ${i}`, External_Id__c: `K-${i}` })),
  )
  await db().pool.query(
    `INSERT INTO "${f.connection.schema}".account (name, external_id__c)
     SELECT 'New ' || g, CASE WHEN g < 19 THEN 'K-' || g END FROM generate_series(0, 19) g`,
  )
  const report = await f.engine.syncOnce()
  expect(report.pushes[0]).toMatchObject({ succeeded: 20, failed: 0 })
  const accounts = f.org.all('Account')
  expect(accounts).toHaveLength(20) // 19 updated on their key, 1 created
  expect(accounts.filter((a) => String(a.Name).startsWith('New'))).toHaveLength(20)
}, 60_000)
