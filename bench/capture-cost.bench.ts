/**
 * Cost of change capture on the app's own writes (issue: "Report in your closing note"): single-row
 * INSERT and UPDATE throughput, autocommit, on a mapped table with no trigger, with the capture
 * trigger, and with capture + the trigger-log NOTIFY, at 1 and 4 concurrent clients.
 *
 *   npm run bench -- capture        (DATABASE_URL or embedded PostgreSQL)
 */
import pg from 'pg'
import { defineMapping } from '../src/mappings/define-mapping.js'
import { planMappings } from '../src/mappings/plan-mappings.js'
import { SchemaInstaller } from '../src/postgres/install/schema-installer.js'
import { accountDescribe } from '../test/fixtures/describe-fixture.js'
import { benchPostgres, table } from './bench-postgres.js'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4)
const ROWS = 200_000
const VARIANTS = ['plain', 'capture', 'notify'] as const
type Variant = (typeof VARIANTS)[number]

async function setup(pool: pg.Pool): Promise<void> {
  const plan = planMappings(
    [
      defineMapping({
        object: 'Account',
        access: 'read_write',
        fields: ['Name', 'Industry', 'AnnualRevenue', 'NumberOfEmployees', 'Description'],
      }),
    ],
    new Map([['Account', accountDescribe]]),
  )
  for (const variant of VARIANTS) {
    await pool.query(`DROP SCHEMA IF EXISTS bench_${variant} CASCADE`)
    await new SchemaInstaller(pool, `bench_${variant}`).install(plan)
  }
  await pool.query('DROP TRIGGER hc_account_logtrigger ON bench_plain.account')
  await pool.query('DROP TRIGGER hc_account_status_trigger ON bench_plain.account')
  await pool.query('DROP TRIGGER tlog_insert_trigger ON bench_capture._trigger_log')
}

async function run(
  url: string,
  variant: Variant,
  op: 'insert' | 'update',
  clients: number,
): Promise<number> {
  const connections = await Promise.all(
    Array.from({ length: clients }, async () => {
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      return client
    }),
  )
  const schema = `bench_${variant}`
  if (op === 'update') {
    await connections[0]?.query(
      `TRUNCATE ${schema}.account, ${schema}._trigger_log RESTART IDENTITY`,
    )
    // Rows as a pull leaves them (SYNCED, written in an engine session): every update below hits a
    // different synced row, the costliest case for the status trigger.
    await connections[0]?.query(`BEGIN; SET LOCAL xmlbinary = 'hex';
      INSERT INTO ${schema}.account (name, industry, annualrevenue, _hc_lastop)
        SELECT 'n' || g, 'Energy', g, 'SYNCED' FROM generate_series(1, ${ROWS}) g; COMMIT`)
  }
  const deadline = Date.now() + SECONDS * 1000
  let count = 0
  await Promise.all(
    connections.map(async (client, c) => {
      let i = 0
      while (Date.now() < deadline) {
        i += 1
        if (op === 'insert') {
          await client.query(
            `INSERT INTO ${schema}.account (name, industry, annualrevenue, numberofemployees) VALUES ($1, 'Energy', $2, $3)`,
            [`acct ${c}-${i}`, i * 1.5, i],
          )
        } else {
          await client.query(`UPDATE ${schema}.account SET annualrevenue = $1 WHERE id = $2`, [
            i * 2.5,
            1 + ((i * clients + c) % ROWS),
          ])
        }
        count += 1
      }
    }),
  )
  await Promise.all(connections.map((client) => client.end()))
  return count / SECONDS
}

const postgres = await benchPostgres()
const pool = new pg.Pool({ connectionString: postgres.url })
try {
  await setup(pool)
  const rows: (string | number)[][] = [
    [
      'operation',
      'clients',
      'no trigger/s',
      'capture/s',
      'capture+notify/s',
      'capture ×',
      'capture+notify ×',
    ],
  ]
  for (const op of ['insert', 'update'] as const) {
    for (const clients of [1, 4]) {
      const rates: Record<Variant, number> = { plain: 0, capture: 0, notify: 0 }
      for (const variant of VARIANTS) rates[variant] = await run(postgres.url, variant, op, clients)
      rows.push([
        op,
        clients,
        Math.round(rates.plain),
        Math.round(rates.capture),
        Math.round(rates.notify),
        (rates.capture / rates.plain).toFixed(2),
        (rates.notify / rates.plain).toFixed(2),
      ])
    }
  }
  console.log(
    `Capture cost on single-row autocommit writes (${postgres.kind}, ${SECONDS} s per cell)\n`,
  )
  console.log(table(rows))
} finally {
  await pool.end()
  await postgres.stop()
}
