/**
 * A worker process for the Pub/Sub crash test: one engine whose only source is the Pub/Sub API,
 * on the schema and emulator it is given (argv[2], JSON). Prints `connected` once subscribed,
 * then runs until killed.
 */
import { createConnection } from '../../../src/connection/create-connection.js'
import { SyncEngine } from '../../../src/engine/sync-engine.js'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { SalesforcePubSubSource } from '../../../src/sources/salesforce-pubsub-source.js'

interface WorkerConfig {
  readonly databaseUrl: string
  readonly schema: string
  readonly instanceUrl: string
  readonly accessToken: string
  readonly endpoint: string
  readonly ca: string
}

const config = JSON.parse(process.argv[2] ?? '{}') as WorkerConfig
const connection = await createConnection({
  salesforce: { instanceUrl: config.instanceUrl, accessToken: config.accessToken },
  postgres: { connectionString: config.databaseUrl },
  schema: config.schema,
})
const engine = new SyncEngine({
  connection,
  mappings: [defineMapping({ object: 'Account', fields: ['Name'] })],
  sources: [new SalesforcePubSubSource({ endpoint: config.endpoint, ca: config.ca })],
})
engine.on('source:connected', () => process.stdout.write('connected\n'))
engine.on('error', ({ error }) => process.stderr.write(`worker error: ${error.message}\n`))
await engine.install()
await engine.start()
