import { afterEach, expect, it } from 'vitest'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'

// A reload removes the rows of records its Bulk jobs did not see. A row the app inserted and
// pgforce pushed while the jobs ran has an sfid but no SystemModstamp yet (nothing read it back),
// and its record is newer than the jobs' snapshot: it is not removed.
const db = useTestDatabase()
const account = defineMapping({
  object: 'Account',
  access: 'read_write',
  fields: ['Name'],
  externalId: 'External_Id__c',
})
let fixture: SyncFixture | undefined
afterEach(async () => {
  await fixture?.close()
  fixture = undefined
})

it('a reload keeps a row pushed while its jobs ran', async () => {
  fixture = await syncFixture(db(), [account])
  const f = fixture
  f.org.insert(
    'Account',
    Array.from({ length: 5 }, (_, i) => ({ Name: `Old ${i}` })),
  )
  await f.engine.syncOnce()
  await db().pool.query(
    `INSERT INTO "${f.connection.schema}".account (name, external_id__c) VALUES ('New', 'K-1')`,
  )
  // The jobs' snapshot: taken before the app's row was pushed (its record is not in it).
  const bulkQuery = f.adapter.bulkQuery.bind(f.adapter)
  Object.assign(f.adapter, {
    bulkQuery: (soql: string, options?: Parameters<typeof bulkQuery>[1]) =>
      (async function* () {
        for await (const page of bulkQuery(soql, options))
          yield page.filter((record) => record.Name !== 'New')
      })(),
  })
  // What a push running beside the reload leaves: the record created, the row's sfid written,
  // its SystemModstamp not read back yet.
  const push = await f.engine.syncOnce()
  expect(push.pushes[0]?.succeeded).toBe(1)
  await db().pool.query(
    `UPDATE "${f.connection.schema}".account SET systemmodstamp = NULL WHERE name = 'New'`,
  )
  const before = await f.rows('account', 'id, name')
  const report = await f.engine.reload('Account')
  expect(report.deleted).toBe(0)
  expect(await f.rows('account', 'id, name')).toEqual(before)
}, 30_000)
