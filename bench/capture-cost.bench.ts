/**
 * Cost of change capture on the app's own writes: single-row INSERT and UPDATE throughput,
 * autocommit, on a mapped table with no trigger, with the capture trigger, and with capture + the
 * trigger-log NOTIFY (a session LISTENs, as the engine does), at 1 and 4 concurrent clients. The
 * three variants run in short slices (`BENCH_SLICE_MS`, 1 000), rotated, over `BENCH_CYCLES` (6)
 * cycles: each ratio is taken within a cycle, and printed as median [min–max].
 *
 *   npm run bench -- capture-cost
 */
import pg from 'pg'
import { defineMapping } from '../src/mappings/define-mapping.js'
import { planMappings } from '../src/mappings/plan-mappings.js'
import { SchemaInstaller } from '../src/postgres/install/schema-installer.js'
import { accountDescribe } from '../test/fixtures/describe-fixture.js'
import { benchPostgres, table } from './bench-postgres.js'
import { ratios, spread } from './harness/rounds.js'

const SLICE_MS = Number(process.env.BENCH_SLICE_MS ?? 1_000)
const CYCLES = Number(process.env.BENCH_CYCLES ?? 6)
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

/** Clients connected to the database, one set per cell. */
async function connect(url: string, clients: number): Promise<pg.Client[]> {
  return Promise.all(
    Array.from({ length: clients }, async () => {
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      return client
    }),
  )
}

/** Rows as a pull leaves them (SYNCED, written in an engine session), for the updates. */
async function seed(pool: pg.Pool, variant: Variant): Promise<void> {
  const schema = `bench_${variant}`
  await pool.query(`TRUNCATE ${schema}.account, ${schema}._trigger_log RESTART IDENTITY`)
  await pool.query(`BEGIN; SET LOCAL xmlbinary = 'hex';
    INSERT INTO ${schema}.account (name, industry, annualrevenue, _hc_lastop)
      SELECT 'n' || g, 'Energy', g, 'SYNCED' FROM generate_series(1, ${ROWS}) g; COMMIT`)
}

/** One slice of `op` on `variant` by every client; writes per second. */
async function slice(
  connections: readonly pg.Client[],
  variant: Variant,
  op: 'insert' | 'update',
  offset: number,
): Promise<number> {
  const schema = `bench_${variant}`
  const started = performance.now()
  const deadline = started + SLICE_MS
  let count = 0
  await Promise.all(
    connections.map(async (client, c) => {
      let i = offset
      while (performance.now() < deadline) {
        i += 1
        if (op === 'insert') {
          await client.query(
            `INSERT INTO ${schema}.account (name, industry, annualrevenue, numberofemployees) VALUES ($1, 'Energy', $2, $3)`,
            [`acct ${c}-${i}`, i * 1.5, i],
          )
        } else {
          await client.query(`UPDATE ${schema}.account SET annualrevenue = $1 WHERE id = $2`, [
            i * 2.5,
            1 + ((i * connections.length + c) % ROWS),
          ])
        }
        count += 1
      }
    }),
  )
  return count / ((performance.now() - started) / 1000)
}

const postgres = await benchPostgres()
const pool = new pg.Pool({ connectionString: postgres.url })
try {
  await setup(pool)
  // The engine LISTENs on the trigger log's channel: notifications are delivered, not dropped.
  const listener = new pg.Client({ connectionString: postgres.url })
  await listener.connect()
  await listener.query('LISTEN "bench_notify.hc_trigger_log"')
  listener.on('notification', () => {})
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
    if (op === 'update') for (const variant of VARIANTS) await seed(pool, variant)
    for (const clients of [1, 4]) {
      const connections = await connect(postgres.url, clients)
      const rates: Record<Variant, number[]> = { plain: [], capture: [], notify: [] }
      for (let cycle = 0; cycle < CYCLES; cycle += 1) {
        for (let k = 0; k < VARIANTS.length; k += 1) {
          const variant = VARIANTS[(k + cycle) % VARIANTS.length] as Variant
          rates[variant].push(await slice(connections, variant, op, cycle * 1_000_000))
        }
      }
      await Promise.all(connections.map((client) => client.end()))
      rows.push([
        op,
        clients,
        spread(rates.plain),
        spread(rates.capture),
        spread(rates.notify),
        spread(ratios(rates.capture, rates.plain), 2),
        spread(ratios(rates.notify, rates.plain), 2),
      ])
    }
  }
  await listener.end()
  console.log(
    `Capture cost on single-row autocommit writes (${postgres.kind}; ${CYCLES} cycles of ${SLICE_MS} ms slices, median [min–max])\n`,
  )
  console.log(table(rows))
} finally {
  await pool.end()
  await postgres.stop()
}
