/**
 * Latency of a running engine, both ways, over real jsforce and HTTP to the emulator:
 * - Postgres commit → record visible in Salesforce (PostgresNotifySource), 200 single-row inserts;
 * - Salesforce change → row in Postgres (SalesforceStreamingSource, CDC), 200 changes.
 * Reports p50 / p95 / p99 / max in ms.
 *
 *   npm run bench -- sync-latency
 */
import pg from 'pg'
import { quantile } from '../src/cli/demo/latency-stats.js'
import { createConnection } from '../src/connection/create-connection.js'
import { SyncEngine } from '../src/engine/sync-engine.js'
import { defineMapping } from '../src/mappings/define-mapping.js'
import { SalesforceEmulator } from '../src/testing/emulator/salesforce-emulator.js'
import { clearProxyEnv } from '../test/support/proxy-env.js'
import { benchPostgres, table } from './bench-postgres.js'

clearProxyEnv()
const CHANGES = 200
const postgres = await benchPostgres()
const emulator = await SalesforceEmulator.start({ orgOptions: { dailyApiLimit: 10_000_000 } })
const pool = new pg.Pool({ connectionString: postgres.url, max: 10 })
const schema = 'bench_latency'
await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
const connection = await createConnection({
  salesforce: { instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken },
  postgres: pool,
  schema,
})
const account = defineMapping({
  object: 'Account',
  access: 'read_write',
  fields: ['Name', 'Industry'],
  externalId: 'External_Id__c',
})
const engine = new SyncEngine({ connection, mappings: [account] }) // default sources: CDC + NOTIFY + polls
engine.on('error', ({ error }) => console.error(error.message))

function percentiles(samples: number[]): (string | number)[] {
  const sorted = [...samples].sort((a, b) => a - b)
  return [samples.length, ...[0.5, 0.95, 0.99, 1].map((q) => quantile(sorted, q).toFixed(1))]
}

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  for (;;) {
    if (await check()) return
    await new Promise((resolve) => setImmediate(resolve))
  }
}

try {
  await engine.install()
  await engine.start()
  const push: number[] = []
  for (let i = 0; i < CHANGES; i += 1) {
    const key = `L-${i}`
    const started = performance.now()
    await pool.query(`INSERT INTO ${schema}.account (name, external_id__c) VALUES ($1, $2)`, [
      `Latency ${i}`,
      key,
    ])
    await until(
      () =>
        emulator.org.query(`SELECT Id FROM Account WHERE External_Id__c = '${key}'`).totalSize ===
        1,
    )
    push.push(performance.now() - started)
  }
  const pull: number[] = []
  for (let i = 0; i < CHANGES; i += 1) {
    const started = performance.now()
    const [id] = emulator.org.insert('Account', [{ Name: `From Salesforce ${i}` }])
    await until(
      async () =>
        (await pool.query(`SELECT 1 FROM ${schema}.account WHERE sfid = $1`, [id])).rowCount === 1,
    )
    pull.push(performance.now() - started)
  }
  console.log(
    `Sync latency, ${CHANGES} single-row changes each way (${postgres.kind}; emulator over HTTP)\n`,
  )
  console.log(
    table([
      ['direction', 'changes', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
      ['Postgres → Salesforce (NOTIFY)', ...percentiles(push)],
      ['Salesforce → Postgres (CDC stream)', ...percentiles(pull)],
    ]),
  )
} finally {
  await engine.stop()
  await connection.close()
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
  await pool.end()
  await emulator.stop()
  await postgres.stop()
}
