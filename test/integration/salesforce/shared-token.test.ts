import { generateKeyPairSync } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Connection } from '../../../src/index.js'
import { createConnection, defineMapping, SyncEngine } from '../../../src/index.js'
import type { JsforceAdapter } from '../../../src/salesforce/jsforce/jsforce-adapter.js'
import { SalesforceEmulator } from '../../../src/testing/emulator/salesforce-emulator.js'
import { useTestDatabase } from '../../support/test-database.js'

const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
})
const db = useTestDatabase()
const schema = 'shared_token'
const account = defineMapping({ object: 'Account', fields: ['Name'] })
let emulator: SalesforceEmulator
const opened: Connection[] = []

beforeAll(async () => {
  emulator = await SalesforceEmulator.start({ credentials: { certificate: publicKey } })
  emulator.org.insert('Account', [{ Name: 'Acme' }])
  // The schema exists before the workers start (as after any first deployment's install()).
  const installer = await createConnection({
    salesforce: { instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken },
    postgres: db().pool,
    schema,
  })
  await new SyncEngine({ connection: installer, mappings: [account], sources: [] }).install()
  await installer.close()
})
afterAll(async () => {
  await Promise.all(opened.map((c) => c.close()))
  await emulator.stop()
})

const logins = () =>
  emulator.requests.filter((r) => r.method === 'POST' && r.path === '/services/oauth2/token').length

/** A worker: a connection with a pool of its own, logging in with JWT bearer. */
async function worker(extra: Record<string, unknown> = {}): Promise<Connection> {
  const connection = await createConnection({
    salesforce: {
      loginUrl: emulator.loginUrl,
      clientId: emulator.credentials.clientId,
      username: emulator.credentials.username,
      privateKey,
      ...extra,
    },
    postgres: { connectionString: db().url, max: 2 },
    schema,
  })
  opened.push(connection)
  return connection
}

describe('one Salesforce token for all workers of an org', () => {
  it('four engines on separate connections log in once, and once again when the session expires', async () => {
    const before = logins()
    const connections = await Promise.all([worker(), worker(), worker(), worker()])
    const engines = connections.map(
      (connection) => new SyncEngine({ connection, mappings: [account], sources: [] }),
    )
    await Promise.all(engines.map((engine) => engine.syncOnce()))
    expect(logins() - before).toBe(1)
    const { rows } = await db().pool.query(
      `SELECT sealed, logins::int FROM ${schema}._pgforce_token`,
    )
    expect(rows).toHaveLength(1)
    expect(rows[0].logins).toBe(1)
    // Workers that took the stored session know its org as well as the one that logged in.
    for (const connection of connections) {
      const jsforce = (connection.salesforce as unknown as JsforceAdapter).connection
      expect(jsforce.userInfo?.organizationId).toBe(emulator.org.orgId)
    }
    // Stored encrypted: the table does not show the token.
    const adapter = connections[0]?.salesforce as unknown as { connection: { accessToken: string } }
    const token = adapter.connection.accessToken
    expect(Buffer.from(rows[0].sealed).toString('latin1')).not.toContain(token)

    emulator.org.sessions.expireAll()
    emulator.org.insert('Account', [{ Name: 'Globex' }])
    const passes = await Promise.all(engines.map((engine) => engine.syncOnce()))
    expect(passes.some((pass) => pass.pulls.some((pull) => pull.inserted === 1))).toBe(true)
    expect(logins() - before).toBe(2)
  })

  it('shareToken: false logs in on its own and stores nothing', async () => {
    const { rows: before } = await db().pool.query(
      `SELECT sealed, logins FROM ${schema}._pgforce_token`,
    )
    const loginsBefore = logins()
    const own = await worker({ shareToken: false })
    expect(logins() - loginsBefore).toBe(1)
    expect((await own.salesforce.describe('Account')).name).toBe('Account')
    const { rows: after } = await db().pool.query(
      `SELECT sealed, logins FROM ${schema}._pgforce_token`,
    )
    expect(after).toEqual(before)
  })

  it('a worker with another private key (a rotated certificate) cannot read the stored token: it logs in and replaces it', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const credentials = emulator.credentials as { certificate?: string }
    const previous = credentials.certificate
    credentials.certificate = other.publicKey.export({ type: 'spki', format: 'pem' }).toString()
    try {
      const { rows: before } = await db().pool.query(
        `SELECT sealed, logins::int FROM ${schema}._pgforce_token`,
      )
      const loginsBefore = logins()
      const rotated = await worker({ privateKey: other.privateKey })
      expect(logins() - loginsBefore).toBe(1)
      expect((await rotated.salesforce.describe('Account')).name).toBe('Account')
      const { rows: after } = await db().pool.query(
        `SELECT sealed, logins::int FROM ${schema}._pgforce_token`,
      )
      expect(after).toHaveLength(1)
      expect(after[0].logins).toBe(before[0].logins + 1)
      expect(after[0].sealed).not.toEqual(before[0].sealed)
    } finally {
      credentials.certificate = previous
    }
  })
})

describe('the username-password flow', () => {
  it('warns once, as an event and in the log, naming the 2027-02-20 retirement', async () => {
    const { username, password, clientId, clientSecret } = emulator.credentials
    const connection = await createConnection({
      salesforce: { loginUrl: emulator.loginUrl, username, password, clientId, clientSecret },
      postgres: { connectionString: db().url, max: 1 },
      schema,
    })
    opened.push(connection)
    expect(connection.warnings).toEqual([
      expect.objectContaining({
        code: 'USERNAME_PASSWORD_FLOW',
        message: expect.stringContaining('2027-02-20'),
      }),
    ])
    const logged: string[] = []
    const log = (message: string) => logged.push(message)
    const engine = new SyncEngine({
      connection,
      mappings: [account],
      sources: [],
      logger: { debug: () => {}, info: () => {}, error: () => {}, warn: (_, m) => log(m) },
    })
    const events: unknown[] = []
    engine.on('connection:warning', (warning) => events.push(warning))
    await engine.syncOnce()
    await engine.syncOnce()
    expect(events).toEqual([expect.objectContaining({ code: 'USERNAME_PASSWORD_FLOW' })])
    expect(logged.filter((m) => m.includes('2027-02-20'))).toHaveLength(1)
    expect(logged[0]).toContain('JWT bearer')
  })

  it('JWT bearer, client credentials and tokens raise no warning', async () => {
    expect((await worker()).warnings).toEqual([])
  })
})
