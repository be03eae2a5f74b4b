/**
 * The emulator must never be what a pgforce benchmark measures. Records per second, through the
 * real jsforce client over HTTP, for:
 * - a 100 000-record REST query (paged by JsforceAdapter),
 * - 20 000 upserts by external id in sObject Collections calls of 200,
 * - a 100 000-record Bulk 2.0 query (paged by JsforceAdapter).
 *
 *   npm run bench -- salesforce-emulator
 */
import { JsforceAdapter } from '../src/salesforce/jsforce/jsforce-adapter.js'
import { SalesforceEmulator } from '../src/testing/emulator/salesforce-emulator.js'
import { clearProxyEnv } from '../test/support/proxy-env.js'
import { table } from './bench-postgres.js'

clearProxyEnv()
const emulator = await SalesforceEmulator.start({
  orgOptions: { dailyApiLimit: 10_000_000, eventRetention: 1000 },
})
const adapter = await JsforceAdapter.create({
  instanceUrl: emulator.instanceUrl,
  accessToken: emulator.accessToken,
})
try {
  emulator.org.insert(
    'Account',
    Array.from({ length: 100_000 }, (_, i) => ({
      Name: `Bench account ${i}`,
      Industry: 'Energy',
      AnnualRevenue: i,
      NumberOfEmployees: i % 500,
    })),
  )
  const rows: (string | number)[][] = [['workload', 'records', 'seconds', 'records/s']]
  const time = async (name: string, records: number, run: () => Promise<void>) => {
    const started = performance.now()
    await run()
    const seconds = (performance.now() - started) / 1000
    rows.push([name, records, seconds.toFixed(2), Math.round(records / seconds)])
  }
  await time('REST query (JsforceAdapter.query)', 100_000, async () => {
    let n = 0
    for await (const _ of adapter.query(
      'SELECT Id, Name, Industry, AnnualRevenue, NumberOfEmployees, SystemModstamp FROM Account',
    ))
      n += 1
    if (n < 100_000) throw new Error(`only ${n} records`)
  })
  const upserts = Array.from({ length: 20_000 }, (_, i) => ({
    Name: `Upserted ${i}`,
    External_Id__c: `U-${i % 10_000}`,
    Industry: 'Media',
  }))
  await time('collections upsert, 200 per call', 20_000, async () => {
    const results = await adapter.upsert('Account', 'External_Id__c', upserts)
    if (results.some((r) => !r.success)) throw new Error('upsert failed')
  })
  await time('Bulk 2.0 query (JsforceAdapter.bulkQuery)', 100_000, async () => {
    let n = 0
    for await (const page of adapter.bulkQuery(
      'SELECT Id, Name, Industry, AnnualRevenue, NumberOfEmployees, SystemModstamp FROM Account',
      { pageSize: 50_000 },
    ))
      n += page.length
    if (n < 100_000) throw new Error(`only ${n} records`)
  })
  console.log(
    'SalesforceEmulator through real jsforce over HTTP (target: > 20 000 records/s each)\n',
  )
  console.log(table(rows))
} finally {
  await adapter.close()
  await emulator.stop()
}
