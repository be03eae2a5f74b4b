import { afterEach, beforeEach, describe, expect, it, onTestFailed } from 'vitest'
import type { Connection } from '../../../src/connection/connection.js'
import { createConnection } from '../../../src/connection/create-connection.js'
import { SyncEngine } from '../../../src/engine/sync-engine.js'
import { RetryPolicy } from '../../../src/errors/retry-policy.js'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { PostgresNotifySource } from '../../../src/sources/postgres-notify-source.js'
import { OrderedWriteStrategy } from '../../../src/strategies/ordered-write-strategy.js'
import type {
  ChangeEntry,
  EntryResult,
  WriteContext,
} from '../../../src/strategies/write-strategy.js'
import { SalesforceEmulator } from '../../../src/testing/emulator/index.js'
import { schemaSql } from '../../support/schema-sql.js'
import { useTestDatabase } from '../../support/test-database.js'
import { waitFor } from '../../support/wait-for.js'

// Postgres → Salesforce under faults, through real jsforce over HTTP to the emulator: every
// change arrives exactly once and nothing is marked FAILED.
const db = useTestDatabase()
const account = defineMapping({
  object: 'Account',
  access: 'read_write',
  fields: ['Name', 'Industry'],
  externalId: 'External_Id__c',
})
const fast = { minDelayMs: 10, maxDelayMs: 50 }
const retryPolicy = new RetryPolicy({
  salesforceCodes: {
    REQUEST_LIMIT_EXCEEDED: fast,
    SERVER_UNAVAILABLE: fast,
    ERROR_HTTP_503: fast,
    INVALID_SESSION_ID: fast,
  },
})

let emulator: SalesforceEmulator
let connection: Connection
let schema: string
let counter = 0
const engines: SyncEngine[] = []

beforeEach(async () => {
  counter += 1
  schema = `push_faults_${process.pid}_${counter}`
  emulator = await SalesforceEmulator.start()
  const { username, password, clientId, clientSecret } = emulator.credentials
  // OAuth 2 password flow: an expired session is renewed by logging in again.
  connection = await createConnection({
    salesforce: { loginUrl: emulator.loginUrl, username, password, clientId, clientSecret },
    postgres: db().pool,
    schema,
  })
})
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.stop()
  await connection.close()
  await emulator.stop()
  await db().pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
})

function engine(options: Partial<ConstructorParameters<typeof SyncEngine>[0]> = {}): SyncEngine {
  const created = new SyncEngine({
    connection,
    mappings: [account],
    sources: [new PostgresNotifySource({ debounceMs: 5, reconnectDelayMs: 20 })],
    retryPolicy,
    ...options,
  })
  engines.push(created)
  return created
}

const sql = (text: string, values?: unknown[]) => schemaSql(db().pool, schema, text, values)

async function insertRows(from: number, to: number) {
  await sql(
    `INSERT INTO $schema.account (name, external_id__c)
     SELECT 'Row ' || g, 'K-' || g FROM generate_series($1::int, $2::int) g`,
    [from, to],
  )
}

/** Every row synced (INSERTED, or SYNCED once a pull read it back), each external id exactly once in the org, no entry left or failed. */
async function expectDeliveredOnce(rows: number) {
  await waitFor(
    async () => {
      const [left] = await sql(
        `SELECT count(*)::int AS n FROM $schema.account WHERE sfid IS NULL OR _hc_lastop NOT IN ('INSERTED', 'SYNCED')`,
      )
      return left?.n === 0
    },
    15_000,
    'every row to reach Salesforce',
  )
  const keys = emulator.org.all('Account').map((r) => r.External_Id__c)
  expect(keys).toHaveLength(rows)
  expect(new Set(keys).size).toBe(rows)
  expect(await sql('SELECT state FROM $schema._trigger_log')).toEqual([])
  const [failed] = await sql(
    `SELECT count(*)::int AS n FROM $schema._trigger_log_archive WHERE state <> 'SUCCESS'`,
  )
  expect(failed?.n).toBe(0)
}

describe('push faults (real jsforce, HTTP emulator)', () => {
  it('rides out 503 bursts and REQUEST_LIMIT_EXCEEDED', async () => {
    const running = engine()
    await running.install()
    const failures: string[] = []
    running.on('push:failed', ({ error }) => failures.push(error.message))
    await running.start()
    emulator.org.faults.failRequests({ path: '/composite/sobjects', status: 503, count: 3 })
    await insertRows(1, 100)
    emulator.org.faults.failRequests({ path: '/composite/sobjects', status: 403, count: 2 })
    await insertRows(101, 200)
    await expectDeliveredOnce(200)
    expect(failures.length).toBeGreaterThanOrEqual(3)
  })

  it('renews an expired session mid-stream', async () => {
    const running = engine()
    await running.install()
    const failures: string[] = []
    running.on('push:failed', ({ error, retryInMs }) =>
      failures.push(`${error.message} ${retryInMs}`),
    )
    running.on('error', ({ error }) => failures.push(error.message))
    running.on('push:completed', (r) => failures.push(`completed ${r.sent}`))
    onTestFailed(() => console.log(failures.join('\n')))
    await running.start()
    await insertRows(1, 50)
    await waitFor(async () => emulator.org.all('Account').length === 50)
    emulator.org.sessions.expireAll()
    await insertRows(51, 100)
    await expectDeliveredOnce(100)
  })

  it('re-listens after the LISTEN connection drops and pushes what it missed', async () => {
    const running = engine()
    await running.install()
    const events: string[] = []
    running.on('source:reconnecting', () => events.push('reconnecting'))
    running.on('source:connected', () => events.push('connected'))
    await running.start()
    // LISTEN is connected once its probe came back, which can be after start() resolves.
    await waitFor(() => events.includes('connected'), 10_000, 'LISTEN connected')
    await sql(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE query ILIKE 'LISTEN %' AND query LIKE '%' || $1 || '%' AND pid <> pg_backend_pid()`,
      [`${schema}.hc_trigger_log`],
    )
    await insertRows(1, 50) // notifications sent while nobody listens are lost
    await expectDeliveredOnce(50)
    expect(events).toEqual(['connected', 'reconnecting', 'connected'])
  })

  it('a worker that dies between Salesforce answering and its commit leaves no duplicate', async () => {
    // The first worker writes to Salesforce, then never commits (as if killed): its claim is
    // left PENDING until the lease runs out.
    let died: () => void = () => {}
    const death = new Promise<void>((resolve) => {
      died = resolve
    })
    class DiesAfterWriting extends OrderedWriteStrategy {
      override async write(
        entries: readonly ChangeEntry[],
        context: WriteContext,
      ): Promise<EntryResult[]> {
        // Salesforce answers; the commit of its outcome never happens.
        return super.write(entries, {
          ...context,
          commit: async () => {
            await death
            throw new Error('killed')
          },
        })
      }
    }
    const doomed = engine({ writeStrategy: new DiesAfterWriting(), sources: [] })
    await doomed.install()
    await insertRows(1, 20)
    const dying = doomed.syncOnce().catch(() => undefined)
    await waitFor(() => emulator.org.all('Account').length === 20)
    expect(
      (await sql('SELECT DISTINCT state FROM $schema._trigger_log')).map((r) => r.state),
    ).toEqual(['PENDING'])
    const survivor = engine({ pushLeaseMs: 200, sources: [] })
    // The survivor may reclaim an entry once Postgres's clock says its claim is older than its
    // 200 ms lease (the condition its claim query uses): wait for exactly that.
    await waitFor(
      async () => {
        const [lease] = await sql(
          `SELECT bool_and(updated_at < now() - interval '200 milliseconds') AS expired
           FROM $schema._trigger_log WHERE state = 'PENDING'`,
        )
        return lease?.expired === true
      },
      10_000,
      "the dead worker's lease to run out",
    )
    const report = await survivor.syncOnce()
    expect(report.pushes[0]).toMatchObject({ succeeded: 20, failed: 0 })
    died()
    await dying
    await expectDeliveredOnce(20)
  })
})
