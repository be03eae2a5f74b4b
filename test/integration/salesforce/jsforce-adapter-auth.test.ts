import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, createConnection } from '../../../src/index.js'
import { JsforceAdapter } from '../../../src/salesforce/jsforce/jsforce-adapter.js'
import { SalesforceEmulator } from '../../../src/testing/emulator/salesforce-emulator.js'

let emulator: SalesforceEmulator
beforeAll(async () => {
  emulator = await SalesforceEmulator.start()
})
afterAll(async () => {
  await emulator.stop()
})

describe('JsforceAdapter authentication', () => {
  it('logs in with username and password (SOAP) and re-logs in when the session expires', async () => {
    const { username, password } = emulator.credentials
    const adapter = await JsforceAdapter.create({ loginUrl: emulator.loginUrl, username, password })
    expect(await adapter.count('SELECT COUNT() FROM User')).toBe(1)
    emulator.org.sessions.expireAll()
    expect(await adapter.count('SELECT COUNT() FROM User')).toBe(1)
    await adapter.close()
  })

  it('logs in with the OAuth 2 password flow', async () => {
    const { username, password, clientId, clientSecret } = emulator.credentials
    const adapter = await JsforceAdapter.create({
      loginUrl: emulator.loginUrl,
      username,
      password,
      clientId,
      clientSecret,
    })
    expect(adapter.connection.instanceUrl).toBe(emulator.instanceUrl)
    await adapter.close()
  })

  it('logs in with client credentials and gets a new token when the session expires', async () => {
    const { clientId, clientSecret } = emulator.credentials
    const adapter = await JsforceAdapter.create({
      loginUrl: emulator.loginUrl,
      clientId,
      clientSecret,
      grant: 'client_credentials',
    })
    expect(await adapter.count('SELECT COUNT() FROM User')).toBe(1)
    emulator.org.sessions.expireAll()
    expect(await adapter.count('SELECT COUNT() FROM User')).toBe(1)
    await adapter.close()
  })

  it('fails fast on bad credentials with a SalesforceApiError that shows no password', async () => {
    const error = await JsforceAdapter.create({
      loginUrl: emulator.loginUrl,
      username: 'nobody',
      password: 's3cret-value',
    }).catch((e) => e)
    expect(error).toMatchObject({ code: 'SALESFORCE_API' })
    expect(String(error.message)).not.toContain('s3cret-value')
  })

  it('without a way to refresh, an expired session is a permanent INVALID_SESSION_ID', async () => {
    const adapter = await JsforceAdapter.create({
      instanceUrl: emulator.instanceUrl,
      accessToken: emulator.org.sessions.issue(),
    })
    emulator.org.sessions.expireAll()
    await expect(adapter.count('SELECT COUNT() FROM User')).rejects.toMatchObject({
      errorCode: 'INVALID_SESSION_ID',
      statusCode: 401,
    })
    await adapter.close()
  })

  it('builds a connection from options through createConnection', async () => {
    const connection = await createConnection({
      salesforce: { instanceUrl: emulator.instanceUrl, accessToken: emulator.org.sessions.issue() },
      postgres: { connectionString: 'postgres://127.0.0.1:1/none' },
    })
    expect((await connection.salesforce.describe('Account')).name).toBe('Account')
    await connection.close()
    await expect(
      createConnection({
        salesforce: { instanceUrl: emulator.instanceUrl },
        postgres: { connectionString: 'x' },
      } as never),
    ).rejects.toBeInstanceOf(ConfigError)
  })
})
