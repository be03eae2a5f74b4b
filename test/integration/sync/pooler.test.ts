import { afterEach, describe, expect, it } from 'vitest'
import type { Connection } from '../../../src/connection/connection.js'
import { createConnection } from '../../../src/connection/create-connection.js'
import { SyncEngine } from '../../../src/engine/sync-engine.js'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { SalesforceEmulator } from '../../../src/testing/emulator/index.js'
import { InMemorySalesforceAdapter } from '../../../src/testing/in-memory-salesforce-adapter.js'
import { InMemoryOrg } from '../../../src/testing/org/index.js'
import { faultAccount } from '../../support/faults/fault-mapping.js'
import { pgBouncerBinary, usePgBouncer } from '../../support/pgbouncer.js'
import { useTestDatabase } from '../../support/test-database.js'
import { waitFor } from '../../support/wait-for.js'
import { WorkerProcess } from '../../support/worker-cluster/worker-process.js'

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
    })
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
    const deaf: string[] = []
    const heard: string[] = []
    const saidDeaf = (name: string) =>
      waitFor(() => deaf.some((l) => l.startsWith(`${name}:`)), 5_000, `${name}'s deaf LISTEN`)
    const start = async (name: string) => {
      const engine = new SyncEngine({
        connection: await connect(org, schema),
        mappings: [account],
        takeoverCheckMs: 100,
      })
      engine.on('source:reconnecting', ({ source, reason }) => {
        if (source === 'postgres-notify') deaf.push(`${name}: ${reason?.message}`)
      })
      engine.on('source:connected', ({ source }) => {
        if (source === 'postgres-notify') heard.push(name)
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

    // LISTEN through the pooler receives nothing: the probe finds out within 2 s.
    await saidDeaf('a')
    const first = await both('first')
    expect(first.toSalesforce).toBeLessThan(15_000)
    await a.stop()
    await waitFor(() => leaders.has('b'), 5_000, 'b to take over')
    engines.splice(engines.indexOf(a), 1)
    const again = await start('a again')
    await both('after a restart')
    await saidDeaf('b')
    await saidDeaf('a again')
    await again.stop()
    await b.stop()
    engines.splice(0)
    expect(most).toBe(1)
    expect(await advisoryLocks()).toBe(0)
    // Each engine found its LISTEN deaf and said so once, naming the fix; no probe came back.
    expect(deaf.map((line) => line.split(':')[0])).toEqual(['a', 'b', 'a again'])
    expect(heard).toEqual([])
    expect(deaf[0]).toContain('postgres.sessionConnectionString')
  })

  it('with sessionConnectionString, LISTEN receives: a Postgres change reaches Salesforce at once', async () => {
    const { org, schema } = await setUp()
    const engine = new SyncEngine({
      connection: await connect(org, schema, { session: true }),
      mappings: [account],
    })
    engines.push(engine)
    const states: string[] = []
    engine.on('source:connected', ({ source }) => states.push(`${source} connected`))
    engine.on('source:reconnecting', ({ source }) => states.push(`${source} reconnecting`))
    await engine.start()
    await waitFor(() => states.includes('postgres-notify connected'), 5_000, 'a proven LISTEN')
    // Wait for the startup push, so the change below is woken by its notification.
    await waitFor(async () => (await engine.status()).mappings[0]?.pullLeader === true)
    const started = Date.now()
    await db().pool.query(`INSERT INTO "${schema}".account (name) VALUES ('direct listen')`)
    await waitFor(() => org.all('Account').some((r) => r.Name === 'direct listen'), 5_000)
    const ms = Date.now() - started
    console.info(`[pooler] with a session connection: Postgres → Salesforce ${ms} ms`)
    expect(ms).toBeLessThan(1_000) // a fallback poll would take up to 1 s, the 2-minute poll far more
    expect(states).not.toContain('postgres-notify reconnecting')
    // The leader's lease names its session, so a claimant can see it die.
    await waitFor(
      async () => {
        const lease = await db().pool.query<{ session_pid: number | null }>(
          `SELECT session_pid FROM "${schema}"._pgforce_pull_leader`,
        )
        return typeof lease.rows[0]?.session_pid === 'number'
      },
      10_000,
      'the session pid in the lease',
    )
  })

  it('a pushing engine killed mid-create through the pooler: pulls of new records go on', async () => {
    const emulator = await SalesforceEmulator.start({ orgOptions: { dailyApiLimit: 10_000_000 } })
    const workers: WorkerProcess[] = []
    try {
      emulator.org.faults.setLatency(50)
      schemas += 1
      const schema = `pooled_${schemas}`
      const mapping = faultAccount(false) // no external id: new records need the fence
      const salesforce = { instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken }
      const installer = await createConnection({ salesforce, postgres: db().pool, schema })
      await new SyncEngine({ connection: installer, mappings: [mapping], sources: [] }).install()
      await installer.close()
      await db().pool.query(
        `INSERT INTO "${schema}".account (name) SELECT 'c-' || n FROM generate_series(1, 400) n`,
      )
      const pushed = async () =>
        (
          await db().pool.query<{ n: number }>(
            `SELECT count(sfid)::int AS n FROM "${schema}".account`,
          )
        ).rows[0]?.n ?? 0
      const victim = await WorkerProcess.start({
        name: 'victim',
        databaseUrl: bouncer().url(db().url),
        schema,
        ...salesforce,
        externalId: false,
        pollIntervalMs: 1_000,
        postgresPollMs: 1_000,
        pushLeaseMs: 1_000,
        pullLeaseMs: 2_000,
        takeoverCheckMs: 200,
      })
      workers.push(victim)
      await waitFor(async () => (await pushed()) >= 100, 30_000, 'the victim to push 100 rows')
      await new Promise((resolve) => setTimeout(resolve, 25)) // its next create call is in flight
      victim.kill('SIGKILL')
      const fences = await db().pool.query(`SELECT 1 FROM "${schema}"._pgforce_insert_fence`)
      const leases = await db().pool.query(`SELECT 1 FROM "${schema}"._pgforce_pull_leader`)
      console.info(
        `[pooler] killed at ${await pushed()} rows pushed, with ${fences.rowCount} fence(s) and ${leases.rowCount} lease(s) left behind`,
      )
      // Killed mid-round: its fence is up, and nobody will lift it.
      expect(fences.rowCount).toBeGreaterThanOrEqual(1)

      const survivor = new SyncEngine({
        connection: await createConnection({
          salesforce,
          postgres: { connectionString: bouncer().url(db().url) },
          schema,
        }).then((c) => {
          connections.push(c)
          return c
        }),
        mappings: [mapping],
        takeoverCheckMs: 200,
        pullLeaseMs: 2_000,
        pushLeaseMs: 1_000,
      })
      engines.push(survivor)
      await survivor.start()
      const started = Date.now()
      emulator.org.insert('Account', [
        { Name: 'new after the kill 1' },
        { Name: 'new after the kill 2' },
      ])
      await waitFor(
        async () =>
          (await db().pool.query(`SELECT 1 FROM "${schema}".account WHERE name LIKE 'new after%'`))
            .rowCount === 2,
        15_000,
        'the new records in Postgres',
      )
      console.info(
        `[pooler] new Salesforce records pulled ${Date.now() - started} ms after the restart`,
      )
      // And the push the kill cut short completes: every row gets its record.
      await waitFor(
        async () =>
          (await db().pool.query(`SELECT 1 FROM "${schema}".account WHERE sfid IS NULL LIMIT 1`))
            .rowCount === 0,
        30_000,
        'every row to have its record',
      )
    } finally {
      for (const worker of workers) await worker.stop()
      await emulator.stop()
    }
  })
})
