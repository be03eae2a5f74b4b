import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { ConfigError, createConnection } from '../../../src/index.js'
import { JsforceAdapter } from '../../../src/salesforce/jsforce/jsforce-adapter.js'
import { SalesforceEmulator } from '../../../src/testing/emulator/salesforce-emulator.js'
import { waitFor } from '../../support/wait-for.js'

let emulator: SalesforceEmulator
beforeAll(async () => {
  emulator = await SalesforceEmulator.start({ longPollTimeoutMs: 1_000 })
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

  it('with an access token only, an expired session fails once per call, with no more requests', async () => {
    const adapter = await JsforceAdapter.create({
      instanceUrl: emulator.instanceUrl,
      accessToken: emulator.org.sessions.issue(),
    })
    expect(await adapter.count('SELECT COUNT() FROM User')).toBe(1)
    emulator.org.sessions.expireAll()
    const expected = {
      code: 'SALESFORCE_API',
      errorCode: 'INVALID_SESSION_ID',
      statusCode: 401,
      retryable: false,
      message: expect.stringContaining(
        'this connection was given an access token only, so it cannot log in again: create the connection with a new accessToken',
      ),
    }
    const before = emulator.requests.length
    await expect(adapter.count('SELECT COUNT() FROM User')).rejects.toMatchObject(expected)
    expect(emulator.requests.length - before).toBe(1)
    await expect(adapter.describe('Account')).rejects.toMatchObject(expected)
    await expect(adapter.create('Account', [{ Name: 'x' }])).rejects.toMatchObject(expected)
    await expect(
      adapter.subscribe({ channel: '/data/AccountChangeEvent', onMessage: () => {} }),
    ).rejects.toMatchObject(expected)
    expect(emulator.requests.length - before).toBe(1)
    await adapter.close()
  })

  it('with an access token only, a live subscription ends with that error when the session expires', async () => {
    const adapter = await JsforceAdapter.create({
      instanceUrl: emulator.instanceUrl,
      accessToken: emulator.org.sessions.issue(),
      streamingRetryMs: 20,
    })
    const errors: Error[] = []
    const reconnecting: Error[] = []
    await adapter.subscribe({
      channel: '/data/AccountChangeEvent',
      onMessage: () => {},
      onReconnecting: (reason) => reconnecting.push(reason),
      onError: (error) => errors.push(error),
    })
    emulator.org.sessions.expireAll()
    emulator.dropStreamingClients()
    await waitFor(() => errors.length > 0)
    expect(errors).toEqual([
      expect.objectContaining({ errorCode: 'INVALID_SESSION_ID', retryable: false }),
    ])
    expect(reconnecting).toHaveLength(1)
    await expect(adapter.count('SELECT COUNT() FROM User')).rejects.toMatchObject({
      errorCode: 'INVALID_SESSION_ID',
      retryable: false,
    })
    await adapter.close()
  })

  it('with a refresh token, an expired session is renewed for REST and streaming alike', async () => {
    const { clientId, clientSecret, refreshToken } = emulator.credentials
    const adapter = await JsforceAdapter.create({
      instanceUrl: emulator.instanceUrl,
      accessToken: emulator.org.sessions.issue(),
      refreshToken,
      clientId,
      clientSecret,
      loginUrl: emulator.loginUrl,
    })
    emulator.org.sessions.expireAll()
    expect(await adapter.count('SELECT COUNT() FROM User')).toBe(1)
    emulator.org.sessions.expireAll()
    const subscription = await adapter.subscribe({
      channel: '/data/AccountChangeEvent',
      onMessage: () => {},
    })
    await subscription.close()
    await adapter.close()
  })

  it('builds a connection from options through createConnection', async () => {
    const connection = await createConnection({
      salesforce: { instanceUrl: emulator.instanceUrl, accessToken: emulator.org.sessions.issue() },
      postgres: { connectionString: inject('postgresUrl') },
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
