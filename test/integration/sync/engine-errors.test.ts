import { afterEach, describe, expect, it } from 'vitest'
import { createConnection } from '../../../src/connection/create-connection.js'
import { SyncEngine } from '../../../src/engine/sync-engine.js'
import { EngineStateError } from '../../../src/errors/engine-state-error.js'
import { PostgresError } from '../../../src/errors/postgres-error.js'
import { RetryPolicy } from '../../../src/errors/retry-policy.js'
import { WriteStrategyError } from '../../../src/errors/write-strategy-error.js'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { BaseWriteStrategy } from '../../../src/strategies/base-write-strategy.js'
import type {
  ChangeEntry,
  EntryResult,
  WriteContext,
} from '../../../src/strategies/write-strategy.js'
import { InMemorySalesforceAdapter } from '../../../src/testing/in-memory-salesforce-adapter.js'
import { InMemoryOrg } from '../../../src/testing/org/in-memory-org.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'

// Errors a user can act on: what goes wrong says what to do, and nothing fails silently.
const db = useTestDatabase()
const account = defineMapping({ object: 'Account', access: 'read_write', fields: ['Name'] })
let fixture: SyncFixture | undefined
afterEach(async () => {
  await fixture?.close()
  fixture = undefined
})

async function log(f: SyncFixture) {
  const { rows } = await db().pool.query<{ state: string }>(
    `SELECT state FROM "${f.connection.schema}"._trigger_log ORDER BY id`,
  )
  return rows.map((r) => r.state)
}

describe('engine errors', () => {
  it('start() and syncOnce() before install() say to run install()', async () => {
    const connection = await createConnection({
      salesforce: new InMemorySalesforceAdapter(new InMemoryOrg()),
      postgres: db().pool,
      schema: 'never_installed',
    })
    const engine = new SyncEngine({ connection, mappings: [account], sources: [] })
    const message = /not installed in schema "never_installed": run engine\.install\(\)/
    await expect(engine.start()).rejects.toThrow(message)
    await expect(engine.syncOnce()).rejects.toBeInstanceOf(EngineStateError)
    expect(engine.state).toBe('stopped')
    await engine.install()
    await engine.syncOnce()
    await db().pool.query('DROP SCHEMA never_installed CASCADE')
    await connection.close()
  })

  it('a mapping changed since install is named, with the column it lacks', async () => {
    fixture = await syncFixture(db(), [account])
    const wider = defineMapping({
      object: 'Account',
      access: 'read_write',
      fields: ['Name', 'Industry'],
    })
    const engine = new SyncEngine({
      connection: fixture.connection,
      mappings: [wider],
      sources: [],
    })
    await expect(engine.syncOnce()).rejects.toThrow(/account has no column industry yet/)
  })

  it('a strategy that returns too few results fails loudly; its entries go back to NEW', async () => {
    class ForgetsOne extends BaseWriteStrategy {
      readonly name = 'forgets-one'
      async write(entries: readonly ChangeEntry[], context: WriteContext): Promise<EntryResult[]> {
        const sent = await this.send(
          {
            kind: 'create',
            entries: entries.slice(0, 1),
            records: entries.slice(0, 1).map((e) => context.toRecord(e.values, 'INSERT')),
          },
          context,
        )
        return sent // nothing for the other entries
      }
    }
    fixture = await syncFixture(db(), [account], { writeStrategy: new ForgetsOne() })
    const { schema } = fixture.connection
    await db().pool.query(`INSERT INTO "${schema}".account (name) VALUES ('A'), ('B'), ('C')`)
    const failure = await fixture.engine.syncOnce().catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(WriteStrategyError)
    expect((failure as Error).message).toMatch(
      /"forgets-one" broke its contract: write\(\) must return exactly one result per entry it is given \(3 entries, 1 results\); no result for entries/,
    )
    // The record it did send is committed; the others wait, unclaimed.
    expect(await log(fixture)).toEqual(['NEW', 'NEW'])
    expect(fixture.org.all('Account')).toHaveLength(1)
  })

  it("a RetryPolicy's own code defers a rejected record instead of failing it", async () => {
    const retryPolicy = new RetryPolicy({
      salesforceCodes: { MY_APEX_BUSY: { minDelayMs: 10, maxDelayMs: 20 } },
    })
    fixture = await syncFixture(db(), [account], { retryPolicy })
    fixture.org.faults.failRecords({ objectName: 'Account', statusCode: 'MY_APEX_BUSY', count: 1 })
    await db().pool.query(`INSERT INTO "${fixture.connection.schema}".account (name) VALUES ('A')`)
    const failure = await fixture.engine.syncOnce().catch((error: unknown) => error)
    expect(failure).toMatchObject({ errorCode: 'MY_APEX_BUSY', retryable: true })
    expect(await log(fixture)).toEqual(['NEW'])
    await fixture.engine.syncOnce()
    expect(await log(fixture)).toEqual([])
    expect(fixture.org.all('Account')).toHaveLength(1)
  })

  it('without that code in the policy, the same rejection marks the record FAILED', async () => {
    fixture = await syncFixture(db(), [account])
    fixture.org.faults.failRecords({ objectName: 'Account', statusCode: 'MY_APEX_BUSY', count: 1 })
    await db().pool.query(`INSERT INTO "${fixture.connection.schema}".account (name) VALUES ('A')`)
    await fixture.engine.syncOnce()
    expect(await log(fixture)).toEqual(['FAILED'])
  })
})

describe('connection errors', () => {
  const adapter = () => new InMemorySalesforceAdapter(new InMemoryOrg())

  it('an unreachable server: a PostgresError naming host and database, never the password', async () => {
    const failure = await createConnection({
      salesforce: adapter(),
      postgres: { connectionString: 'postgres://app:s3cret@127.0.0.1:1/appdb' },
    }).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(PostgresError)
    const message = (failure as Error).message
    expect(message).toMatch(/Could not connect to PostgreSQL at 127\.0\.0\.1:1\/appdb as app: /)
    expect(message).toMatch(/ECONNREFUSED/)
    expect(JSON.stringify(failure)).not.toContain('s3cret')
    expect(message).not.toContain('s3cret')
  })

  it('a database that does not exist: its name and the server error', async () => {
    const url = new URL(db().url)
    url.pathname = '/no_such_database_here'
    const failure = await createConnection({
      salesforce: adapter(),
      postgres: { connectionString: url.toString() },
    }).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(PostgresError)
    expect((failure as Error).message).toMatch(/no_such_database_here/)
    expect(failure).toMatchObject({ sqlState: '3D000' })
  })

  it('a malformed URL is a ConfigError, not a lookup of a host called "base"', async () => {
    const failure = await createConnection({
      salesforce: adapter(),
      postgres: { connectionString: 'postgress//app@localhost/x' },
    }).catch((error: unknown) => error)
    expect(failure).toMatchObject({ code: 'CONFIG_INVALID' })
    expect((failure as Error).message).toMatch(/postgres:\/\/user@host:5432\/database/)
  })
})
