import pg from 'pg'
import { SalesforceEmulator } from 'pgforce/testing'
import { afterAll, beforeAll, expect, inject, it } from 'vitest'
import { startSync } from './quick-start.js'

let emulator: SalesforceEmulator
let sync: Awaited<ReturnType<typeof startSync>>
let pool: pg.Pool
const schema = `quick_start_${process.pid}`

async function eventually(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error('timed out')
}

beforeAll(async () => {
  emulator = await SalesforceEmulator.start()
  emulator.org.insert('Account', [{ Name: 'Acme', Industry: 'Energy' }])
  sync = await startSync(
    { instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken },
    inject('postgresUrl'),
    schema,
  )
  pool = new pg.Pool({ connectionString: inject('postgresUrl') })
})

afterAll(async () => {
  await sync?.stop()
  await pool?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
  await pool?.end()
  await emulator?.stop()
})

it('mirrors Salesforce into Postgres and sends Postgres rows to Salesforce', async () => {
  await eventually(
    async () =>
      (await pool.query(`SELECT 1 FROM ${schema}.account WHERE name = 'Acme'`)).rowCount === 1,
  )
  await pool.query(`INSERT INTO ${schema}.account (name, external_id__c) VALUES ('Globex', 'G-1')`)
  await eventually(async () => emulator.org.all('Account').some((a) => a.External_Id__c === 'G-1'))
  // Salesforce has the record as soon as it answered; the outcome commits in Postgres right after.
  await eventually(async () => {
    const [mapping] = (await sync.engine.status()).mappings
    return mapping?.pending === 0 && mapping.failed === 0
  })
  const { rows } = await pool.query(
    `SELECT sfid FROM ${schema}.account WHERE external_id__c = 'G-1'`,
  )
  expect(rows[0]?.sfid).toMatch(/^001/)
})
