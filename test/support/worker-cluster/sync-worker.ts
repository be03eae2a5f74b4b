/**
 * One pgforce worker in its own process, for the worker-cluster run (run-worker-cluster.ts), the
 * fault suite's child-process cases and the crash runs: a `SyncEngine` with the default sources
 * (CDC streaming, LISTEN/NOTIFY and both polls) against the parent's emulator and database, on a
 * pool pgforce creates (named `pgforce-<schema>`, so a test can find its connections), as an
 * app that passes a connection string does. It writes one JSON line per event worth watching to
 * stdout, and stops cleanly on SIGTERM; the runs kill one with SIGKILL.
 *
 *   node --import tsx sync-worker.ts '<WorkerConfig as JSON>'
 */
import { createConnection } from '../../../src/connection/create-connection.js'
import { defaultSources } from '../../../src/engine/default-engine-parts.js'
import { SyncEngine } from '../../../src/engine/sync-engine.js'
import { PostgresPollingSource } from '../../../src/sources/postgres-polling-source.js'
import { withApplicationName } from '../faults/fault-mapping.js'
import { clearProxyEnv } from '../proxy-env.js'
import { type WorkerConfig, type WorkerLine, workerMapping } from './cluster-mapping.js'

clearProxyEnv()
const config = JSON.parse(process.argv[2] ?? '{}') as WorkerConfig
const say = (line: WorkerLine) => process.stdout.write(`${JSON.stringify(line)}\n`)
if (config.startOnInput) {
  say({ event: 'ready' })
  await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()))
  process.stdin.pause()
}

const connection = await createConnection({
  salesforce: { instanceUrl: config.instanceUrl, accessToken: config.accessToken },
  postgres: {
    connectionString: withApplicationName(config.databaseUrl, `pgforce-${config.schema}`),
    max: 10,
  },
  schema: config.schema,
})
const sources = defaultSources().map((source) =>
  source instanceof PostgresPollingSource && config.postgresPollMs !== undefined
    ? new PostgresPollingSource({ intervalMs: config.postgresPollMs })
    : source,
)
const engine = new SyncEngine({
  connection,
  mappings: [workerMapping(config)],
  sources,
  ...(config.takeoverCheckMs !== undefined && { takeoverCheckMs: config.takeoverCheckMs }),
  ...(config.pushLeaseMs !== undefined && { pushLeaseMs: config.pushLeaseMs }),
  ...(config.pullLeaseMs !== undefined && { pullLeaseMs: config.pullLeaseMs }),
})
engine.on('leadership', ({ leader }) => say({ event: 'leadership', leader }))
engine.on('pull:completed', (r) => say({ event: 'pulled', count: r.inserted + r.updated }))
engine.on('push:completed', (r) => say({ event: 'pushed', count: r.succeeded }))
engine.on('record:failed', ({ error }) => say({ event: 'record:failed', message: error.message }))
engine.on('error', ({ error, context }) =>
  say({ event: 'error', message: `${context}: ${error.message}` }),
)
engine.on('load:progress', ({ done }) => say({ event: 'load:progress', count: done }))
engine.on('push:failed', ({ error, retryInMs }) =>
  say({ event: 'push:failed', message: `${error.message} retryInMs=${retryInMs}` }),
)
engine.on('pull:failed', ({ error, retryInMs }) =>
  say({ event: 'pull:failed', message: `${error.message} retryInMs=${retryInMs}` }),
)
engine.on('source:connected', ({ source }) => say({ event: 'source:connected', message: source }))

await engine.start()
say({ event: 'running' })
process.on('SIGTERM', () => {
  void engine
    .stop()
    .then(() => connection.close())
    .then(() => process.exit(0))
})
