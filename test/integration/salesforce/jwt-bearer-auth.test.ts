import { generateKeyPairSync } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SalesforceApiError } from '../../../src/index.js'
import { JsforceAdapter } from '../../../src/salesforce/jsforce/jsforce-adapter.js'
import { SalesforceEmulator } from '../../../src/testing/emulator/salesforce-emulator.js'

const pair = () =>
  generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  })
const appKey = pair()
const otherKey = pair()

let emulator: SalesforceEmulator
beforeAll(async () => {
  emulator = await SalesforceEmulator.start({ credentials: { certificate: appKey.publicKey } })
})
afterAll(async () => {
  await emulator.stop()
})

const logins = () =>
  emulator.requests.filter((r) => r.method === 'POST' && r.path === '/services/oauth2/token').length

function jwt(overrides: Record<string, unknown> = {}) {
  return JsforceAdapter.create({
    loginUrl: emulator.loginUrl,
    clientId: emulator.credentials.clientId,
    username: emulator.credentials.username,
    privateKey: appKey.privateKey,
    ...overrides,
  })
}

async function refusal(overrides: Record<string, unknown>): Promise<SalesforceApiError> {
  const error = await jwt(overrides).catch((e: unknown) => e)
  expect(error).toBeInstanceOf(SalesforceApiError)
  return error as SalesforceApiError
}

describe('JWT bearer flow', () => {
  it('logs in with a good assertion and signs a new one when the session expires', async () => {
    const before = logins()
    const adapter = await jwt()
    expect(adapter.connection.instanceUrl).toBe(emulator.instanceUrl)
    // Who the session is, as a jsforce login tells it (a Pub/Sub client sends the org id).
    expect(adapter.connection.userInfo?.organizationId).toBe(emulator.org.orgId)
    expect(await adapter.count('SELECT COUNT() FROM User')).toBe(1)
    emulator.org.sessions.expireAll()
    expect(await adapter.count('SELECT COUNT() FROM User')).toBe(1)
    expect(logins() - before).toBe(2)
    // Streaming renews the same way (its handshake refused with 401).
    emulator.org.sessions.expireAll()
    const subscription = await adapter.subscribe({
      channel: '/data/AccountChangeEvent',
      onMessage: () => {},
    })
    expect(logins() - before).toBe(3)
    await subscription.close()
    await adapter.close()
  })

  it('a key whose certificate the app does not hold: invalid assertion, naming the certificate', async () => {
    const error = await refusal({ privateKey: otherKey.privateKey })
    expect(error).toMatchObject({ errorCode: 'invalid_grant', statusCode: 400, retryable: false })
    expect(error.message).toContain('invalid assertion')
    expect(error.message).toContain('certificate uploaded to the External Client App')
    expect(error.message).not.toContain('PRIVATE KEY')
  })

  it('a wrong audience: audience is invalid, naming the audience and how to fix it', async () => {
    const error = await refusal({ audience: 'https://login.salesforce.com' })
    expect(error).toMatchObject({ errorCode: 'invalid_grant', retryable: false })
    expect(error.message).toContain('audience is invalid')
    expect(error.message).toContain('"https://login.salesforce.com"')
    expect(error.message).toContain('https://test.salesforce.com for a sandbox')
  })

  it("an assertion expired on arrival (this machine's clock): expired authorization code", async () => {
    const late = await SalesforceEmulator.start({ credentials: { certificate: appKey.publicKey } })
    late.org.clock.advance(10 * 60_000) // Salesforce's clock is 10 minutes ahead of ours
    const error = await JsforceAdapter.create({
      loginUrl: late.loginUrl,
      clientId: late.credentials.clientId,
      username: late.credentials.username,
      privateKey: appKey.privateKey,
    }).catch((e: unknown) => e)
    await late.stop()
    expect(error).toBeInstanceOf(SalesforceApiError)
    expect(error).toMatchObject({ errorCode: 'invalid_grant', retryable: false })
    expect((error as Error).message).toContain('expired authorization code')
    expect((error as Error).message).toContain("check this machine's clock")
  })

  it("an unknown or unapproved user: user hasn't approved this consumer, naming the user", async () => {
    const error = await refusal({ username: 'nobody@pgforce.test' })
    expect(error).toMatchObject({ errorCode: 'invalid_grant', retryable: false })
    expect(error.message).toContain("user hasn't approved this consumer")
    expect(error.message).toContain('"nobody@pgforce.test"')
    expect(error.message).toContain('pre-authorized')
  })

  it('an unknown client id: invalid_client_id, naming it', async () => {
    const error = await refusal({ clientId: 'not-the-consumer-key' })
    expect(error).toMatchObject({ errorCode: 'invalid_client_id', retryable: false })
    expect(error.message).toContain('"not-the-consumer-key"')
  })

  it('an emulator without a certificate accepts no assertion', async () => {
    const bare = await SalesforceEmulator.start()
    const error = await JsforceAdapter.create({
      loginUrl: bare.loginUrl,
      clientId: bare.credentials.clientId,
      username: bare.credentials.username,
      privateKey: appKey.privateKey,
    }).catch((e: unknown) => e)
    await bare.stop()
    expect(error).toMatchObject({ errorCode: 'invalid_grant' })
  })
})

describe('token provider', () => {
  it('takes the session from getAccessToken and asks again when it expires', async () => {
    let calls = 0
    const adapter = await JsforceAdapter.create({
      getAccessToken: async () => {
        calls++
        return { accessToken: emulator.org.sessions.issue(), instanceUrl: emulator.instanceUrl }
      },
    })
    expect(calls).toBe(1)
    expect(await adapter.count('SELECT COUNT() FROM User')).toBe(1)
    emulator.org.sessions.expireAll()
    expect(await adapter.count('SELECT COUNT() FROM User')).toBe(1)
    expect(calls).toBe(2)
    await adapter.close()
  })

  it('a provider that fails, at start or on renewal, gives a SalesforceApiError that says so', async () => {
    await expect(
      JsforceAdapter.create({
        getAccessToken: async () => {
          throw new Error('AppLink is down')
        },
      }),
    ).rejects.toMatchObject({
      errorCode: 'TOKEN_PROVIDER_FAILED',
      retryable: true,
      message: expect.stringContaining('AppLink is down'),
    })
    let first = true
    const adapter = await JsforceAdapter.create({
      getAccessToken: async () => {
        if (!first) return { accessToken: '', instanceUrl: emulator.instanceUrl }
        first = false
        return { accessToken: emulator.org.sessions.issue(), instanceUrl: emulator.instanceUrl }
      },
    })
    emulator.org.sessions.expireAll()
    await expect(adapter.count('SELECT COUNT() FROM User')).rejects.toMatchObject({
      errorCode: 'TOKEN_PROVIDER_FAILED',
      message: expect.stringContaining('must resolve to { accessToken, instanceUrl }'),
    })
    await adapter.close()
  })
})
