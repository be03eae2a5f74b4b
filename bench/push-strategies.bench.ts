/**
 * Pushes through each write strategy, over real jsforce and HTTP to the emulator, on three
 * workloads of 10 000 captured changes: 10 000 inserts; 1 000 records × 10 updates; a mixed
 * stream (inserts, updates, deletes). Reports API calls (against the minimum, ⌈records/200⌉)
 * and changes per second.
 *
 *   npm run bench -- push-strategies
 */
import pg from 'pg'
import { createConnection } from '../src/connection/create-connection.js'
import { SyncEngine } from '../src/engine/sync-engine.js'
import { defineMapping } from '../src/mappings/define-mapping.js'
import { BulkWriteStrategy } from '../src/strategies/bulk-write-strategy.js'
import { MergedWriteStrategy } from '../src/strategies/merged-write-strategy.js'
import { OrderedWriteStrategy } from '../src/strategies/ordered-write-strategy.js'
import type { WriteStrategy } from '../src/strategies/write-strategy.js'
import { SalesforceEmulator } from '../src/testing/emulator/salesforce-emulator.js'
import { clearProxyEnv } from '../test/support/proxy-env.js'
import { benchPostgres, table } from './bench-postgres.js'

clearProxyEnv()
const postgres = await benchPostgres()
const pool = new pg.Pool({ connectionString: postgres.url, max: 6 })

type Workload = { name: string; records: number; load: (schema: string) => Promise<void> }
const workloads: Workload[] = [
  {
    name: '10 000 inserts',
    records: 10_000,
    load: async (s) => {
      await pool.query(
        `INSERT INTO ${s}.account (name, external_id__c) SELECT 'N' || g, 'E-' || g FROM generate_series(1, 10000) g`,
      )
    },
  },
  {
    name: '1 000 records × 10 updates',
    records: 1_000,
    load: async (s) => {
      await pool.query(
        `INSERT INTO ${s}.account (name, external_id__c) SELECT 'N' || g, 'E-' || g FROM generate_series(1, 1000) g`,
      )
      for (let round = 0; round < 9; round += 1)
        await pool.query(`UPDATE ${s}.account SET industry = 'Round ${round}'`)
    },
  },
  {
    name: 'mixed stream',
    records: 3_000,
    load: async (s) => {
      await pool.query(
        `INSERT INTO ${s}.account (name, external_id__c) SELECT 'N' || g, 'E-' || g FROM generate_series(1, 2000) g`,
      )
      for (let round = 0; round < 4; round += 1) {
        await pool.query(
          `UPDATE ${s}.account SET industry = 'R${round}' WHERE id % 2 = ${round % 2}`,
        )
      }
      await pool.query(`DELETE FROM ${s}.account WHERE id % 10 = 0`)
      await pool.query(
        `INSERT INTO ${s}.account (name, external_id__c) SELECT 'M' || g, 'F-' || g FROM generate_series(1, 1000) g`,
      )
    },
  },
]
const strategies: [string, () => WriteStrategy][] = [
  ['ordered', () => new OrderedWriteStrategy()],
  ['merged', () => new MergedWriteStrategy()],
  ['bulk', () => new BulkWriteStrategy({ pollIntervalMs: 20 })],
]

const rows: (string | number)[][] = [
  ['workload', 'changes', 'strategy', 'API calls', 'minimum', 'changes/s'],
]
try {
  for (const workload of workloads) {
    for (const [name, make] of strategies) {
      const emulator = await SalesforceEmulator.start({
        orgOptions: { dailyApiLimit: 10_000_000, eventRetention: 1000 },
      })
      const schema = `bench_push_${name}`
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
        writeStrategy: make(),
      })
      const engine = new SyncEngine({ connection, mappings: [account], sources: [] })
      await engine.install()
      await workload.load(schema)
      const { rows: counted } = await pool.query(
        `SELECT count(*)::int AS n FROM ${schema}._trigger_log`,
      )
      const changes = counted[0]?.n as number
      const started = performance.now()
      const report = await engine.syncOnce()
      const seconds = (performance.now() - started) / 1000
      rows.push([
        workload.name,
        changes,
        name,
        report.pushes[0]?.apiCalls ?? 0,
        Math.ceil(workload.records / 200),
        Math.round(changes / seconds),
      ])
      await connection.close()
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
      await emulator.stop()
    }
  }
  console.log(`Write strategies over real jsforce and HTTP to the emulator (${postgres.kind})\n`)
  console.log(table(rows))
} finally {
  await pool.end()
  await postgres.stop()
}
