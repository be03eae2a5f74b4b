/**
 * One pgforce worker in its own process, for the worker-cluster run (run-worker-cluster.ts): a
 * `SyncEngine` with the default sources (CDC streaming, LISTEN/NOTIFY and both polls) against the
 * parent's emulator and database. It writes one JSON line per event worth watching to stdout,
 * and stops cleanly on SIGTERM; the run kills one with SIGKILL.
 *
 *   node --import tsx sync-worker.ts '<WorkerConfig as JSON>'
 */
import pg from 'pg'
import { createConnection } from '../../../src/connection/create-connection.js'
import { SyncEngine } from '../../../src/engine/sync-engine.js'
import { clearProxyEnv } from '../proxy-env.js'
import { clusterAccount, type WorkerConfig, type WorkerLine } from './cluster-mapping.js'

clearProxyEnv()
const config = JSON.parse(process.argv[2] ?? '{}') as WorkerConfig
const say = (line: WorkerLine) => process.stdout.write(`${JSON.stringify(line)}\n`)

const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 10 })
const connection = await createConnection({
  salesforce: { instanceUrl: config.instanceUrl, accessToken: config.accessToken },
  postgres: pool,
  schema: config.schema,
})
const engine = new SyncEngine({
  connection,
  mappings: [clusterAccount],
  ...(config.takeoverCheckMs !== undefined && { takeoverCheckMs: config.takeoverCheckMs }),
  ...(config.pushLeaseMs !== undefined && { pushLeaseMs: config.pushLeaseMs }),
})
engine.on('leadership', ({ leader }) => say({ event: 'leadership', leader }))
engine.on('pull:completed', (r) => say({ event: 'pulled', count: r.inserted + r.updated }))
engine.on('push:completed', (r) => say({ event: 'pushed', count: r.succeeded }))
engine.on('record:failed', ({ error }) => say({ event: 'record:failed', message: error.message }))
engine.on('error', ({ error, context }) =>
  say({ event: 'error', message: `${context}: ${error.message}` }),
)

await engine.start()
say({ event: 'running' })
process.on('SIGTERM', () => {
  void engine
    .stop()
    .then(() => connection.close())
    .then(() => pool.end())
    .then(() => process.exit(0))
})
