import { afterEach, describe, expect, it } from 'vitest'
import type { Connection } from '../../../src/connection/connection.js'
import { createConnection } from '../../../src/connection/create-connection.js'
import { SyncEngine } from '../../../src/engine/sync-engine.js'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { InMemorySalesforceAdapter } from '../../../src/testing/in-memory-salesforce-adapter.js'
import { InMemoryOrg } from '../../../src/testing/org/index.js'
import { pgBouncerBinary, usePgBouncer } from '../../support/pgbouncer.js'
import { useTestDatabase } from '../../support/test-database.js'
import { waitFor } from '../../support/wait-for.js'

// Engines behind a real PgBouncer in transaction mode (pool size 3), the way Heroku Postgres and
// many hosts run it (docs/guides/running-in-production.md, "Behind a connection pooler").
const db = useTestDatabase()
const installed = pgBouncerBinary() !== undefined
if (!installed)
  console.info('[pooler] pgbouncer is not installed (apt-get install -y pgbouncer): tests skipped')

const account = defineMapping({
  object: 'Account',
  access: 'read_write',
  fields: ['Name'],
  pollIntervalMs: 1_000,
})

const engines: SyncEngine[] = []
const connections: Connection[] = []
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.stop()
  for (const connection of connections.splice(0)) await connection.close()
})

describe.skipIf(!installed)('behind PgBouncer in transaction mode', () => {
  const bouncer = usePgBouncer(() => db().url)
  let schemas = 0

  async function connect(
    org: InMemoryOrg,
    schema: string,
    postgres: { session?: boolean } = {},
  ): Promise<Connection> {
    const connection = await createConnection({
      salesforce: new InMemorySalesforceAdapter(org),
      postgres: {
        connectionString: bouncer().url(db().url),
        ...(postgres.session && { sessionConnectionString: db().url }),
      },
      schema,
    } as Parameters<typeof createConnection>[0])
    connections.push(connection)
    return connection
  }

  /** A schema installed through the pooler, and an org. */
  async function setUp(): Promise<{ org: InMemoryOrg; schema: string }> {
    schemas += 1
    const schema = `pooled_${schemas}`
    const org = new InMemoryOrg()
    const connection = await connect(org, schema)
    await new SyncEngine({ connection, mappings: [account], sources: [] }).install()
    return { org, schema }
  }

  /** Advisory locks held in the file's database, by any session. */
  async function advisoryLocks(): Promise<number> {
    const { rows } = await db().pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_locks
       WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = $1)`,
      [db().name],
    )
    return rows[0]?.n ?? -1
  }

  it('two engines with the default sources: one pull leader at a time, changes both ways in seconds, no lock left', async () => {
    const { org, schema } = await setUp()
    const leaders = new Set<string>()
    let most = 0
    const start = async (name: string) => {
      const engine = new SyncEngine({
        connection: await connect(org, schema),
        mappings: [account],
        takeoverCheckMs: 100,
      })
      engine.on('leadership', ({ leader }) => {
        if (leader) leaders.add(name)
        else leaders.delete(name)
        most = Math.max(most, leaders.size)
      })
      engines.push(engine)
      await engine.start()
      return engine
    }
    const a = await start('a')
    await waitFor(() => leaders.has('a'), 5_000, 'a to lead')
    const b = await start('b')

    const both = async (label: string) => {
      const started = Date.now()
      await db().pool.query(`INSERT INTO "${schema}".account (name) VALUES ($1)`, [`pg ${label}`])
      await waitFor(
        () => org.all('Account').some((r) => r.Name === `pg ${label}`),
        15_000,
        `the Postgres row ${label} in Salesforce`,
      )
      const toSalesforce = Date.now() - started
      const pulled = Date.now()
      org.insert('Account', [{ Name: `sf ${label}` }])
      await waitFor(
        async () =>
          (
            await db().pool.query(`SELECT 1 FROM "${schema}".account WHERE name = $1`, [
              `sf ${label}`,
            ])
          ).rowCount === 1,
        15_000,
        `the Salesforce record ${label} in Postgres`,
      )
      console.info(
        `[pooler] ${label}: Postgres → Salesforce ${toSalesforce} ms, Salesforce → Postgres ${Date.now() - pulled} ms`,
      )
      return { toSalesforce }
    }

    const first = await both('first')
    expect(first.toSalesforce).toBeLessThan(15_000)
    await a.stop()
    await waitFor(() => leaders.has('b'), 5_000, 'b to take over')
    engines.splice(engines.indexOf(a), 1)
    const again = await start('a again')
    await both('after a restart')
    await again.stop()
    await b.stop()
    engines.splice(0)
    expect(most).toBe(1)
    expect(await advisoryLocks()).toBe(0)
  })
})
