/**
 * One load trial in its own process (run by bench/initial-load.bench.ts and bench/catch-up.bench.ts):
 * `VARIANT` pgforce | peer | limit, `MODE` load (a first load into an empty table) or catchup (the
 * records changed since the table was loaded). Set-up happens before the measured window.
 */
import pg from 'pg'
import format from 'pg-format'
import { createConnection } from '../../src/connection/create-connection.js'
import { SyncEngine } from '../../src/engine/sync-engine.js'
import { defineMapping } from '../../src/mappings/define-mapping.js'
import type { PullTuning } from '../../src/pull/salesforce-pull.js'
import { clearProxyEnv } from '../../test/support/proxy-env.js'
import { ACCOUNT_FIELDS } from '../harness/account-rows.js'
import { copyLines, copyMerge } from '../harness/limits.js'
import { measure } from '../harness/trial.js'
import { createPeerTable, peerConnection, peerCursor, peerPull } from '../peer/peer-sync.js'

clearProxyEnv()
const env = (name: string) => {
  const value = process.env[name]
  if (value === undefined) throw new Error(`${name} is not set`)
  return value
}
const variant = env('VARIANT')
const mode = env('MODE')
const schema = env('SCHEMA')
const rows = Number(env('ROWS'))
const changed = Number(process.env.CHANGED ?? 0)
const round = Number(process.env.ROUND ?? 0)
const instanceUrl = env('INSTANCE_URL')
const accessToken = env('ACCESS_TOKEN')
const pool = new pg.Pool({ connectionString: env('DATABASE_URL'), max: 6 })

try {
  if (variant === 'pgforce') {
    if (mode === 'load') await pool.query(format('DROP SCHEMA IF EXISTS %I CASCADE', schema))
    const connection = await createConnection({
      salesforce: { instanceUrl, accessToken },
      postgres: pool,
      schema,
    })
    const engine = new SyncEngine({
      connection,
      mappings: [defineMapping({ object: 'Account', fields: [...ACCOUNT_FIELDS] })],
      sources: [],
      // BULK=rest keeps the load on REST pages, as the peer reads (see bulkLoadThreshold).
      ...(process.env.BULK === 'rest' && { bulkLoadThreshold: Number.POSITIVE_INFINITY }),
      // BENCH_TUNING: the engine's pull tuning to try (JSON, e.g. {"bulkWriters":2}).
      ...(process.env.BENCH_TUNING && {
        tuning: { pull: JSON.parse(process.env.BENCH_TUNING) as Partial<PullTuning> },
      }),
    })
    await engine.install() // plans (describes) and tables, before the window
    await measure(async () => {
      const report = await engine.syncOnce()
      const pull = report.pulls[0]
      return { records: (pull?.inserted ?? 0) + (pull?.updated ?? 0) }
    })
    await connection.close()
  } else if (variant === 'peer') {
    const table = { schema, object: 'Account', fields: ACCOUNT_FIELDS }
    if (mode === 'load') {
      await pool.query(format('DROP SCHEMA IF EXISTS %I CASCADE', schema))
      await createPeerTable(pool, table)
    }
    const conn = peerConnection(instanceUrl, accessToken)
    const since = mode === 'load' ? undefined : await peerCursor(pool, table)
    await measure(async () => ({ records: await peerPull(conn, pool, table, since) }))
  } else if (variant === 'limit') {
    // A table identical to pgforce's (installed in TEMPLATE_SCHEMA), without its triggers.
    if (mode === 'load') {
      await pool.query(format('DROP SCHEMA IF EXISTS %I CASCADE; CREATE SCHEMA %I', schema, schema))
      await pool.query(
        format(
          'CREATE TABLE %I.account (LIKE %I.account INCLUDING ALL)',
          schema,
          env('TEMPLATE_SCHEMA'),
        ),
      )
    }
    const lines =
      mode === 'load'
        ? copyLines(0, rows)
        : spread(rows, changed).flatMap((i) => copyLines(i, i + 1, `Round ${round}`))
    await measure(async () => {
      await copyMerge(pool, schema, 'account', lines)
      return { records: lines.length }
    })
  } else throw new Error(`unknown VARIANT ${variant}`)
} finally {
  await pool.end()
}

/** `count` indices spread over `rows` (every n-th), as the emulator's `update` picks records. */
function spread(total: number, count: number): number[] {
  const step = Math.max(1, Math.floor(total / count))
  return Array.from({ length: count }, (_, k) => k * step).filter((i) => i < total)
}
