import pg from 'pg'
import { createConnection, defineMapping, SyncEngine } from 'pgforce'
import { InMemoryOrg, InMemorySalesforceAdapter } from 'pgforce/testing'
import { afterAll, beforeAll, expect, inject, it } from 'vitest'
import { ArchiveInsteadOfDeleteStrategy } from './routing-write-strategy.js'

const schema = `custom_strategy_${process.pid}`
let pool: pg.Pool
let org: InMemoryOrg
let engine: SyncEngine

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: inject('postgresUrl') })
  org = new InMemoryOrg()
  org.addField('Account', { name: 'Status__c', type: 'string' })
  const connection = await createConnection({
    salesforce: new InMemorySalesforceAdapter(org),
    postgres: pool,
    schema,
  })
  const account = defineMapping({
    object: 'Account',
    access: 'read_write',
    fields: ['Name', 'Status__c'],
    externalId: 'External_Id__c',
    writeStrategy: new ArchiveInsteadOfDeleteStrategy(),
  })
  engine = new SyncEngine({ connection, mappings: [account], sources: [] })
  await engine.install()
})

afterAll(async () => {
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
  await pool.end()
})

it('archives in Salesforce what the app deletes in Postgres', async () => {
  await pool.query(
    `INSERT INTO ${schema}.account (name, external_id__c) VALUES ('Keep', 'K-1'), ('Old', 'K-2')`,
  )
  await engine.syncOnce()
  await pool.query(`DELETE FROM ${schema}.account WHERE name = 'Old'`)
  const report = await engine.syncOnce()
  expect(report.pushes[0]).toMatchObject({
    strategy: 'archive-instead-of-delete',
    succeeded: 1,
    failed: 0,
  })
  const old = org.all('Account').find((a) => a.External_Id__c === 'K-2')
  expect(old).toMatchObject({ IsDeleted: false, Status__c: 'Archived' })
})
