import pg from 'pg'
import { createConnection } from '../src/connection/create-connection.js'
import { SyncEngine } from '../src/engine/sync-engine.js'
import { defineMapping } from '../src/mappings/define-mapping.js'
import { BulkWriteStrategy } from '../src/strategies/bulk-write-strategy.js'
import { SalesforceEmulator } from '../src/testing/emulator/salesforce-emulator.js'
let seen = 0
const counts = new Map<string, number>()
let counting = false
const orig = pg.Client.prototype.query
;(pg.Client.prototype as any).query = function (this: unknown, ...args: any[]) {
  const text0 = typeof args[0] === 'string' ? args[0] : args[0]?.text
  if (counting && process.env.EXPLAIN && String(text0).includes(process.env.EXPLAIN) && ++seen === 25) {
    const self = this as any
    return (async () => {
      await orig.call(self, 'SAVEPOINT ex')
      const plan = await orig.call(self, 'EXPLAIN (ANALYZE, BUFFERS) ' + text0, args[1])
      console.log((plan as any).rows.map((r: any) => r['QUERY PLAN']).join('\n'))
      await orig.call(self, 'ROLLBACK TO SAVEPOINT ex')
      return orig.apply(self, args as any)
    })()
  }
  const r = (orig as any).apply(this, args)
  if (counting && r && typeof r.then === 'function') { const t = String(typeof args[0] === 'string' ? args[0] : args[0]?.text).replace(/\s+/g, ' ').slice(0, 90); const s0 = performance.now(); r.then(() => counts.set(t, (counts.get(t) ?? 0) + performance.now() - s0), () => {}) }
  return r
}
const pool = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:5432/test', max: 6 })
const strategyName = process.argv[2] ?? 'ordered'
for (let i = 0; i < 3; i++) {
  const emulator = await SalesforceEmulator.start({ orgOptions: { dailyApiLimit: 10_000_000, eventRetention: 1000 } })
  const schema = 'bench_prof'
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
  const connection = await createConnection({ salesforce: { instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken }, postgres: pool, schema })
  const account = defineMapping({ object: 'Account', access: 'read_write', fields: ['Name', 'Industry'], externalId: 'External_Id__c', ...(strategyName === 'bulk' ? { writeStrategy: new BulkWriteStrategy({ pollIntervalMs: 20 }) } : {}) })
  const engine = new SyncEngine({ connection, mappings: [account], sources: [] })
  await engine.install()
  if (process.env.IDX) await pool.query(`CREATE INDEX ON ${schema}._trigger_log (table_name, record_id) WHERE state IN ('NEW','PENDING')`)
  await pool.query(`INSERT INTO ${schema}.account (name, external_id__c) SELECT 'N' || g, 'E-' || g FROM generate_series(1, 10000) g`)
  counts.clear(); counting = true
  const t = performance.now()
  const report = await engine.syncOnce()
  console.log('push ms', report.pushes[0]?.durationMs, 'total', Math.round(performance.now() - t))
  counting = false
  if (i === 2) for (const [k, v] of [...counts].sort((a, b) => b[1] - a[1])) console.log(v.toFixed(0).padStart(5), k)
  await connection.close()
  await emulator.stop()
}
await pool.end()
