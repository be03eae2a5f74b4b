/**
 * Latency of a running engine (default sources: CDC streaming and LISTEN/NOTIFY, with their
 * polls), both ways, over real jsforce and HTTP to an emulator in its own process:
 * - Postgres → Salesforce: an app insert's commit → the push that sent it committed its outcome
 *   (`push:completed`);
 * - Salesforce → Postgres: a record created in the emulator → the pull that applied it committed
 *   (`pull:completed`, then one check that the row is there).
 * One change at a time, `BENCH_CHANGES` (300) each way; the wait is for events, never a busy
 * loop. Salesforce → Postgres runs once per streaming transport: CometD (the default set), then
 * the Pub/Sub API (`streaming: SalesforcePubSubSource` on the emulator's endpoint), each with a
 * fresh engine on the same schema. Prints p50 / p95 / p99 / max in ms, side by side.
 *
 *   npm run bench -- sync-latency
 */
import pg from 'pg'
import { quantile } from '../src/cli/demo/latency-stats.js'
import { createConnection } from '../src/connection/create-connection.js'
import { SyncEngine } from '../src/engine/sync-engine.js'
import { defineMapping } from '../src/mappings/define-mapping.js'
import { SalesforcePubSubSource } from '../src/sources/salesforce-pubsub-source.js'
import { clearProxyEnv } from '../test/support/proxy-env.js'
import { benchPostgres, table } from './bench-postgres.js'
import { startEmulatorProcess } from './harness/emulator-child.js'

clearProxyEnv()
const CHANGES = Number(process.env.BENCH_CHANGES ?? 300)
const postgres = await benchPostgres()
const emulator = await startEmulatorProcess()
const pool = new pg.Pool({ connectionString: postgres.url, max: 4 })
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
let engine = new SyncEngine({ connection, mappings: [account] })
engine.on('error', ({ error }) => console.error(error.message))

/** The next push report, or the next pull, as a promise (the engine's events are typed). */
const nextPush = () =>
  new Promise<{ succeeded: number }>((resolve) => engine.once('push:completed', resolve))
const nextPull = () => new Promise<unknown>((resolve) => engine.once('pull:completed', resolve))

/** Salesforce → Postgres latency of `CHANGES` single inserts with the running engine. */
async function pullLatencies(label: string): Promise<number[]> {
  const pull: number[] = []
  const has = async (id: string) =>
    ((await pool.query(`SELECT 1 FROM ${schema}.account WHERE sfid = $1`, [id])).rowCount ?? 0) > 0
  for (let i = 0; i < CHANGES; i += 1) {
    const started = performance.now()
    const id = await emulator.insert(`From Salesforce ${label} ${i}`)
    // Listen before looking, so a pull that lands in between is not missed.
    for (let next = nextPull(); !(await has(id)); next = nextPull()) await next
    pull.push(performance.now() - started)
  }
  return pull
}

function percentiles(samples: number[]): (string | number)[] {
  const sorted = [...samples].sort((a, b) => a - b)
  return [samples.length, ...[0.5, 0.95, 0.99, 1].map((q) => quantile(sorted, q).toFixed(1))]
}

try {
  await engine.install()
  await engine.start()
  const push: number[] = []
  for (let i = 0; i < CHANGES; i += 1) {
    const sent = nextPush()
    const started = performance.now()
    await pool.query(`INSERT INTO ${schema}.account (name, external_id__c) VALUES ($1, $2)`, [
      `Latency ${i}`,
      `L-${i}`,
    ])
    // A push may end without this row (it started before the commit): wait for one that sent it.
    for (let report = await sent; report.succeeded === 0; ) report = await nextPush()
    push.push(performance.now() - started)
  }
  const cometd = await pullLatencies('cometd')
  await engine.stop()
  engine = new SyncEngine({
    connection,
    mappings: [account],
    streaming: new SalesforcePubSubSource({
      endpoint: emulator.pubSubEndpoint,
      ca: emulator.pubSubCertificate,
    }),
  })
  engine.on('error', ({ error }) => console.error(error.message))
  const connected = new Promise<unknown>((resolve) => engine.once('source:connected', resolve))
  await engine.start()
  await connected
  const pubSub = await pullLatencies('pubsub')
  console.log(
    `Sync latency, ${CHANGES} single-row changes each way (${postgres.kind}; emulator over HTTP in its own process)\n`,
  )
  console.log(
    table([
      ['direction', 'changes', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
      ['Postgres → Salesforce (NOTIFY)', ...percentiles(push)],
      ['Salesforce → Postgres (CDC over CometD)', ...percentiles(cometd)],
      ['Salesforce → Postgres (CDC over Pub/Sub)', ...percentiles(pubSub)],
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
