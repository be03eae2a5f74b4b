/**
 * A realistic app under a running engine: `BENCH_CLIENTS` (4) app clients interleave single-row
 * inserts and updates for `BENCH_SECONDS` (30) on a mapped table, with pgforce running (default
 * sources, ordered strategy, external id) against an emulator in its own process answering with
 * `BENCH_LATENCY_MS` (20) of latency. Measures the app's write rate with the engine running ÷
 * with it stopped (same table layout and capture, no engine: as for an app whose engine stopped
 * over 30 s ago, nobody says it LISTENs and writes skip the notify), and how long after the writes
 * stop the backlog takes to empty. Variants rotated over `BENCH_ROUNDS` (3) rounds. For each
 * phase it also prints what explains the ratio: the WAL written per app write (`pg_stat_wal`, the
 * whole server: the engine's writes count too) and the commit flushes per second, and how busy the
 * machine's CPUs were (docs/concepts/performance.md, "Pushes").
 *
 *   npm run bench -- app-load
 */
import { availableParallelism } from 'node:os'
import pg from 'pg'
import format from 'pg-format'
import { createConnection } from '../src/connection/create-connection.js'
import { SyncEngine } from '../src/engine/sync-engine.js'
import { defineMapping } from '../src/mappings/define-mapping.js'
import { clearProxyEnv } from '../test/support/proxy-env.js'
import { benchPostgres, table } from './bench-postgres.js'
import { startEmulatorProcess } from './harness/emulator-child.js'
import { ratios, spread } from './harness/rounds.js'
import { machineBusySeconds } from './harness/trial.js'

clearProxyEnv()
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 4)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30)
const LATENCY = Number(process.env.BENCH_LATENCY_MS ?? 20)
const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
const account = defineMapping({
  object: 'Account',
  access: 'read_write',
  fields: ['Name', 'Industry', 'AnnualRevenue'],
  externalId: 'External_Id__c',
})

const postgres = await benchPostgres()
const pool = new pg.Pool({ connectionString: postgres.url, max: 8 })

/** The app: each client inserts a row, then updates one of its own rows, until the deadline. */
async function app(schema: string, tag: string): Promise<number> {
  const clients = await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      const client = new pg.Client({ connectionString: postgres.url })
      await client.connect()
      return client
    }),
  )
  const deadline = performance.now() + SECONDS * 1000
  let writes = 0
  await Promise.all(
    clients.map(async (client, c) => {
      const mine: number[] = []
      for (let i = 0; performance.now() < deadline; i += 1) {
        const { rows } = await client.query<{ id: number }>(
          format(
            'INSERT INTO %I.account (name, industry, external_id__c) VALUES ($1, $2, $3) RETURNING id',
            schema,
          ),
          [`App ${tag}-${c}-${i}`, 'Energy', `A-${tag}-${c}-${i}`],
        )
        mine.push(rows[0]?.id as number)
        await client.query(
          format('UPDATE %I.account SET annualrevenue = $1 WHERE id = $2', schema),
          [i, mine[(i * 7) % mine.length]],
        )
        writes += 2
      }
    }),
  )
  await Promise.all(clients.map((client) => client.end()))
  return writes / SECONDS
}

interface Phase {
  /** App writes per second. */
  readonly rate: number
  /** WAL bytes the server wrote per app write (the engine's bookkeeping included). */
  readonly walPerWrite: number
  /** WAL flushes (`wal_sync`) per second: commits wait for them. */
  readonly flushesPerSecond: number
  /** Share of the machine's CPU time that was busy (0 where /proc/stat is missing). */
  readonly machineBusy: number
}

/** Runs the app for one phase, with the server's WAL counters and the machine's CPU around it. */
async function phase(schema: string, tag: string): Promise<Phase> {
  const wal = async () => {
    const { rows } = await pool.query<{ bytes: string; syncs: string }>(
      'SELECT wal_bytes::bigint AS bytes, wal_sync AS syncs FROM pg_stat_wal',
    )
    return { bytes: Number(rows[0]?.bytes ?? 0), syncs: Number(rows[0]?.syncs ?? 0) }
  }
  const walBefore = await wal()
  const busyBefore = machineBusySeconds()
  const started = performance.now()
  const rate = await app(schema, tag)
  const seconds = (performance.now() - started) / 1000
  const busy = (machineBusySeconds() - busyBefore) / (seconds * availableParallelism())
  const walAfter = await wal()
  return {
    rate,
    walPerWrite: (walAfter.bytes - walBefore.bytes) / (rate * SECONDS),
    flushesPerSecond: (walAfter.syncs - walBefore.syncs) / seconds,
    machineBusy: busy,
  }
}

async function waiting(schema: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    format(
      `SELECT count(*)::int AS n FROM %I._trigger_log WHERE state IN ('NEW', 'PENDING')`,
      schema,
    ),
  )
  return rows[0]?.n ?? 0
}

const stopped: Phase[] = []
const running: Phase[] = []
const drain: number[] = []
try {
  for (let round = 0; round < rounds; round += 1) {
    const emulator = await startEmulatorProcess({ latencyMs: LATENCY })
    const schema = 'bench_app_load'
    await pool.query(format('DROP SCHEMA IF EXISTS %I CASCADE', schema))
    const connection = await createConnection({
      salesforce: { instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken },
      postgres: pool,
      schema,
    })
    const engine = new SyncEngine({ connection, mappings: [account] })
    engine.on('error', ({ error }) => console.error(error.message))
    await engine.install()
    try {
      for (const variant of round % 2 === 0 ? ['stopped', 'running'] : ['running', 'stopped']) {
        if (variant === 'stopped') {
          // Same table and capture; nothing sends. Its entries are dropped before the engine runs.
          // No engine's word that it LISTENs is left (one that ran before keeps it 30 s).
          await pool.query(format('UPDATE %I._pgforce_doorbell SET listening_until = NULL', schema))
          stopped.push(await phase(schema, `s${round}`))
          await pool.query(format(`DELETE FROM %I._trigger_log`, schema))
          continue
        }
        await engine.start()
        running.push(await phase(schema, `r${round}`))
        const writesStopped = performance.now()
        // Wait on the engine's own reports, one count after each push: no busy loop.
        for (;;) {
          const next = new Promise((resolve) => engine.once('push:completed', resolve))
          if ((await waiting(schema)) === 0) break
          await next
        }
        drain.push((performance.now() - writesStopped) / 1000)
        await engine.stop()
      }
    } finally {
      await engine.stop()
      await connection.close()
      await emulator.stop()
    }
    console.error(
      `round ${round + 1}: stopped ${stopped.at(-1)?.rate.toFixed(0)}/s, running ${running.at(-1)?.rate.toFixed(0)}/s, drained in ${drain.at(-1)?.toFixed(1)} s`,
    )
  }
  console.log(
    `${CLIENTS} app clients, inserts and updates for ${SECONDS} s, emulator latency ${LATENCY} ms (${postgres.kind}; median [min–max] over ${rounds} rounds)\n`,
  )
  const rate = (phases: Phase[]) => phases.map((p) => p.rate)
  const share = ratios(rate(running), rate(stopped))
  console.log(
    table([
      [
        'app writes/s, engine stopped',
        'app writes/s, engine running',
        'running ÷ stopped',
        'backlog empty after (s)',
      ],
      [spread(rate(stopped)), spread(rate(running)), spread(share, 2), spread(drain, 1)],
    ]),
  )
  console.log(`\nper round running ÷ stopped: ${share.map((r) => r.toFixed(2)).join(', ')}`)
  console.log('\nWhat the ratio follows (whole server and machine, per phase):\n')
  console.log(
    table([
      ['engine', 'WAL bytes per app write', 'WAL flushes/s', 'machine CPU busy'],
      ...(
        [
          ['stopped', stopped],
          ['running', running],
        ] as const
      ).map(([name, phases]) => [
        name,
        spread(phases.map((p) => p.walPerWrite)),
        spread(phases.map((p) => p.flushesPerSecond)),
        spread(
          phases.map((p) => p.machineBusy),
          2,
        ),
      ]),
    ]),
  )
} finally {
  await pool.end()
  await postgres.stop()
}
