/**
 * End-to-end first load of 100 000 records: emulator → real jsforce (Bulk 2.0 query, paged) →
 * Postgres, through a SyncEngine. Reports rows/s and this process's peak RSS; the emulator runs in
 * a child process so the figure is pgforce's own.
 *
 *   npm run bench -- initial-load
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { createConnection } from '../src/connection/create-connection.js'
import { SyncEngine } from '../src/engine/sync-engine.js'
import { defineMapping } from '../src/mappings/define-mapping.js'
import { clearProxyEnv } from '../test/support/proxy-env.js'
import { benchPostgres, table } from './bench-postgres.js'

clearProxyEnv()
const RECORDS = Number(process.env.BENCH_ROWS ?? 100_000)
const postgres = await benchPostgres()
const child = spawn(
  process.execPath,
  ['--import', 'tsx', fileURLToPath(new URL('./emulator-process.ts', import.meta.url))],
  {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, BENCH_ROWS: String(RECORDS) },
  },
)
const [line] = (await once(
  createInterface({ input: child.stdout as NonNullable<typeof child.stdout> }),
  'line',
)) as [string]
const emulator = JSON.parse(line) as { instanceUrl: string; accessToken: string }
const pool = new pg.Pool({ connectionString: postgres.url, max: 6 })
const schema = 'bench_initial_load'
await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
const connection = await createConnection({
  salesforce: { instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken },
  postgres: pool,
  schema,
})
const account = defineMapping({
  object: 'Account',
  fields: [
    'Name',
    'Industry',
    'AnnualRevenue',
    'NumberOfEmployees',
    'Phone',
    'Website',
    'BillingCity',
    'BillingCountry',
    'Description',
  ],
})
const engine = new SyncEngine({ connection, mappings: [account], sources: [] })
try {
  await engine.install()
  const rssBefore = process.memoryUsage().rss
  let peak = rssBefore
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss)
  }, 20)
  const started = performance.now()
  const report = await engine.syncOnce()
  const seconds = (performance.now() - started) / 1000
  clearInterval(sampler)
  const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0)
  console.log(
    `First load through Bulk 2.0 (${postgres.kind}; emulator over HTTP in a child process)\n`,
  )
  console.log(
    table([
      ['records', 'seconds', 'rows/s', 'RSS before MB', 'peak RSS MB', 'growth MB'],
      [
        report.pulls[0]?.inserted ?? 0,
        seconds.toFixed(1),
        Math.round(RECORDS / seconds),
        mb(rssBefore),
        mb(peak),
        mb(peak - rssBefore),
      ],
    ]),
  )
} finally {
  await connection.close()
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
  await pool.end()
  child.stdin?.end()
  await once(child, 'exit')
  await postgres.stop()
}
