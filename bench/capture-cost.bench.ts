/**
 * Cost of change capture on the app's own writes: single-row INSERT and UPDATE throughput,
 * autocommit, on a mapped table with no trigger, with the capture trigger, with capture + the
 * trigger-log NOTIFY while the doorbell is open (every write notifies: no engine is draining; a
 * session LISTENs and says so, as an idle engine does), with capture while an engine drains (a
 * session LISTENs and, as the engine does, holds the doorbell on a notification: the writes after
 * it skip the NOTIFY; it reopens the door after each slice, as the engine does once the queue is
 * empty), and with capture and the notify trigger while no engine runs (nobody said it LISTENs:
 * writes skip the NOTIFY), at 1 and 4 concurrent clients (docs/concepts/design.md §5, "The
 * doorbell"). The five variants run in
 * short slices (`BENCH_SLICE_MS`, 1 000), rotated, over `BENCH_CYCLES` (6) cycles: each ratio is
 * taken within a cycle, and printed as median [min–max].
 *
 *   npm run bench -- capture-cost
 */
import pg from 'pg'
import format from 'pg-format'
import { defineMapping } from '../src/mappings/define-mapping.js'
import { planMappings } from '../src/mappings/plan-mappings.js'
import { SchemaInstaller } from '../src/postgres/install/schema-installer.js'
import { triggerLogChannel } from '../src/postgres/install/system-tables-sql.js'
import { Doorbell } from '../src/store/doorbell.js'
import { accountDescribe } from '../test/fixtures/describe-fixture.js'
import { benchPostgres, table } from './bench-postgres.js'
import { ratios, spread } from './harness/rounds.js'

const SLICE_MS = Number(process.env.BENCH_SLICE_MS ?? 1_000)
const CYCLES = Number(process.env.BENCH_CYCLES ?? 6)
const ROWS = 200_000
const VARIANTS = ['plain', 'capture', 'notify', 'draining', 'unheard'] as const
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

/**
 * The engine's side of the doorbell in `bench_draining`: LISTENs, holds the door on a notification
 * (writers then skip theirs), and reopens it when told the drain is over (after each slice).
 */
async function drainingEngine(url: string, pool: pg.Pool) {
  const doorbell = new Doorbell(pool, 'bench_draining')
  const listener = new pg.Client({ connectionString: url })
  await listener.connect()
  let notifications = 0
  let holding: Promise<void> | undefined
  listener.on('notification', () => {
    notifications += 1
    holding ??= doorbell.hold()
  })
  await listener.query(format('LISTEN %I', triggerLogChannel('bench_draining')))
  return {
    get notifications() {
      return notifications
    },
    /** The queue is empty: reopen the door once no writer that skipped the notify is in flight. */
    async drained(): Promise<void> {
      await holding
      holding = undefined
      while (!(await doorbell.release())) await new Promise((resolve) => setTimeout(resolve, 5))
    },
    end: () => listener.end(),
  }
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
  await listener.query(format('LISTEN %I', triggerLogChannel('bench_notify')))
  listener.on('notification', () => {})
  const engine = await drainingEngine(postgres.url, pool)
  // An idle engine opened bench_notify's door and renews its word that it LISTENs (30 s).
  const idle = new Doorbell(pool, 'bench_notify')
  await idle.release()
  let writes = 0
  const rows: (string | number)[][] = [
    [
      'operation',
      'clients',
      'no trigger/s',
      'capture/s',
      'door open/s',
      'draining/s',
      'no engine/s',
      'capture ×',
      'door open ×',
      'draining ×',
      'no engine ×',
    ],
  ]
  for (const op of ['insert', 'update'] as const) {
    if (op === 'update') for (const variant of VARIANTS) await seed(pool, variant)
    for (const clients of [1, 4]) {
      const connections = await connect(postgres.url, clients)
      const rates: Record<Variant, number[]> = {
        plain: [],
        capture: [],
        notify: [],
        draining: [],
        unheard: [],
      }
      for (let cycle = 0; cycle < CYCLES; cycle += 1) {
        for (let k = 0; k < VARIANTS.length; k += 1) {
          const variant = VARIANTS[(k + cycle) % VARIANTS.length] as Variant
          if (variant === 'notify') await idle.renew()
          const rate = await slice(connections, variant, op, cycle * 1_000_000)
          rates[variant].push(rate)
          if (variant === 'draining') {
            writes += Math.round(rate * (SLICE_MS / 1000))
            await engine.drained()
          }
        }
      }
      await Promise.all(connections.map((client) => client.end()))
      rows.push([
        op,
        clients,
        spread(rates.plain),
        spread(rates.capture),
        spread(rates.notify),
        spread(rates.draining),
        spread(rates.unheard),
        spread(ratios(rates.capture, rates.plain), 2),
        spread(ratios(rates.notify, rates.plain), 2),
        spread(ratios(rates.draining, rates.plain), 2),
        spread(ratios(rates.unheard, rates.plain), 2),
      ])
    }
  }
  await listener.end()
  await engine.end()
  console.log(
    `Capture cost on single-row autocommit writes (${postgres.kind}; ${CYCLES} cycles of ${SLICE_MS} ms slices, median [min–max])\n`,
  )
  console.log(table(rows))
  console.log(
    `\nWhile draining, ${engine.notifications} of about ${writes} writes notified (those before the door was held).`,
  )
} finally {
  await pool.end()
  await postgres.stop()
}
