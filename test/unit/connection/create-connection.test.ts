import { generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ConfigError, createConnection } from '../../../src/index.js'
import { InMemorySalesforceAdapter } from '../../../src/testing/in-memory-salesforce-adapter.js'
import { InMemoryOrg } from '../../../src/testing/org/in-memory-org.js'

async function problems(options: unknown) {
  try {
    await createConnection(options as never)
  } catch (error) {
    if (error instanceof ConfigError) return error.problems
    throw error
  }
  throw new Error('expected a ConfigError')
}

describe('createConnection', () => {
  it('refuses bad options before connecting anything, naming each one without secrets', async () => {
    const found = await problems({
      salesforce: { instanceUrl: 'acme.my.salesforce.com', accessToken: '' },
      postgres: { max: 0 },
      schema: 'Sales Force',
    })
    expect(found.map((p) => p.path)).toEqual([
      'schema',
      'postgres.connectionString',
      'postgres.max',
      'salesforce.instanceUrl',
      'salesforce.accessToken',
    ])
    expect(found.find((p) => p.path === 'salesforce.accessToken')?.received).toBe(
      'a hidden value (string)',
    )
  })

  it('refuses a session connection string that is not a postgres:// URL, without showing it', async () => {
    const found = await problems({
      salesforce: new InMemorySalesforceAdapter(new InMemoryOrg()),
      postgres: {
        connectionString: 'postgres://pooler:6432/x',
        sessionConnectionString: 'db:5432',
      },
    })
    expect(found.map((p) => p.path)).toEqual(['postgres.sessionConnectionString'])
    expect(JSON.stringify(found)).not.toContain('db:5432')
  })

  it('says which Salesforce options it understands', async () => {
    const found = await problems({
      salesforce: { token: 'x' },
      postgres: { connectionString: 'postgres://localhost/x' },
    })
    expect(found[0]).toMatchObject({ path: 'salesforce', received: 'an object with token' })
    expect(found[0]?.expected).toMatch(/instanceUrl, accessToken/)
  })

  it('uses an adapter and a pool it is given, and does not close them', async () => {
    const adapter = new InMemorySalesforceAdapter(new InMemoryOrg())
    let ended = false
    const pool = {
      query: async () => ({ rows: [], rowCount: 0 }),
      connect: async () => ({ query: async () => ({ rows: [], rowCount: 0 }), release: () => {} }),
      end: async () => {
        ended = true
      },
    }
    const connection = await createConnection({ salesforce: adapter, postgres: pool })
    expect(connection.schema).toBe('salesforce')
    expect(connection.salesforce).toBe(adapter)
    expect(connection.sessionPool).toBe(connection.pool) // LISTEN shares the pool it was given
    await connection.close()
    await connection.close()
    expect(ended).toBe(false)
    expect(connection.closed).toBe(true)
    expect((await adapter.describe('Account')).name).toBe('Account')
  })

  it('refuses a JWT bearer key that is not an RSA private key, saying what it got, without showing it', async () => {
    const rsa = generateKeyPairSync('rsa', {
      modulusLength: 1024,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    })
    const ec = generateKeyPairSync('ec', {
      namedCurve: 'P-256',
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    })
    const jwt = (privateKey: unknown) =>
      problems({
        salesforce: { clientId: 'CID', username: 'u@acme.test', privateKey },
        postgres: { connectionString: 'postgres://localhost/x' },
      })
    expect(await jwt(rsa.publicKey)).toEqual([
      expect.objectContaining({
        path: 'salesforce.privateKey',
        received: 'a public key (pgforce needs the private key)',
      }),
    ])
    expect((await jwt(ec.privateKey))[0]?.received).toMatch(/a key of type ec .*RS256/)
    expect(
      (await jwt('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----'))[0]?.received,
    ).toMatch(/a certificate/)
    const found = await jwt('not a key')
    expect(found[0]?.expected).toMatch(/BEGIN PRIVATE KEY/)
    expect(JSON.stringify(found)).not.toContain('not a key')
  })

  it('refuses a token provider that is not a function, and a bad shareToken', async () => {
    const found = await problems({
      salesforce: { getAccessToken: 'token', shareToken: 'yes' },
      postgres: { connectionString: 'postgres://localhost/x' },
    })
    expect(found.map((p) => p.path)).toEqual(['salesforce.shareToken', 'salesforce.getAccessToken'])
  })
})
