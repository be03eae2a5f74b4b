/**
 * The README quick start against a `SalesforceEmulator`, run as its own process by
 * test/integration/sync/quick-start-exit.test.ts: one change each way with the default sources
 * (streaming included), then engine.stop(), connection.close() and emulator.stop(), and nothing
 * else: the process has to exit by itself. Prints one JSON line once everything is stopped.
 *
 * Usage: tsx test/support/quick-start-exit.ts <database url> <schema> [emulator-first]
 */
import { createConnection, defineMapping, SyncEngine } from '../../src/index.js'
import { SalesforceEmulator } from '../../src/testing.js'

const [databaseUrl, schema, order] = process.argv.slice(2)

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

const emulator = await SalesforceEmulator.start()
const connection = await createConnection({
  salesforce: { instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken },
  postgres: { connectionString: databaseUrl ?? '' },
  schema,
})
const account = defineMapping({
  object: 'Account',
  access: 'read_write',
  fields: ['Name', 'Industry', 'AnnualRevenue', 'External_Id__c'],
  externalId: 'External_Id__c',
})
const engine = new SyncEngine({ connection, mappings: [account] })
engine.on('error', ({ error, context }) => console.error(context, error))
await engine.install()
await engine.start()
const streamed = () => emulator.requests.some((r) => r.path.startsWith('/cometd/'))
await until(streamed, 'the streaming subscription')

emulator.org.insert('Account', [{ Name: 'Acme', Industry: 'Energy' }])
await until(
  async () =>
    (await connection.pool.query(`SELECT 1 FROM ${schema}.account WHERE name = 'Acme'`))
      .rowCount === 1,
  'Acme in Postgres',
)
await connection.pool.query(
  `INSERT INTO ${schema}.account (name, external_id__c) VALUES ('Globex', 'G-1')`,
)
await until(
  () => emulator.org.all('Account').some((a) => a.External_Id__c === 'G-1'),
  'Globex in Salesforce',
)

if (order === 'emulator-first') await emulator.stop()
await engine.stop()
await connection.close()
if (order !== 'emulator-first') await emulator.stop()
console.log(JSON.stringify({ stopped: true, streamed: streamed() }))
