import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { JsforceAdapter } from '../../../src/salesforce/jsforce/jsforce-adapter.js'
import type { StreamingMessage } from '../../../src/salesforce/salesforce-adapter.js'
import { SalesforceEmulator } from '../../../src/testing/emulator/salesforce-emulator.js'

let emulator: SalesforceEmulator
let adapter: JsforceAdapter

beforeAll(async () => {
  emulator = await SalesforceEmulator.start({ longPollTimeoutMs: 1_000 })
  const { clientId, clientSecret, refreshToken } = emulator.credentials
  adapter = await JsforceAdapter.create({
    instanceUrl: emulator.instanceUrl,
    accessToken: emulator.accessToken,
    refreshToken,
    clientId,
    clientSecret,
    loginUrl: emulator.loginUrl,
    streamingRetryMs: 50,
  })
})
afterAll(async () => {
  await adapter.close()
  await emulator.stop()
})

function waitFor(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000
  return new Promise((resolve, reject) => {
    const tick = () =>
      check()
        ? resolve()
        : Date.now() > deadline
          ? reject(new Error('timed out'))
          : setTimeout(tick, 20)
    tick()
  })
}

describe('JsforceAdapter streaming recovery', () => {
  it('resumes after the server drops the client, without losing or repeating events', async () => {
    const seen: StreamingMessage[] = []
    let connects = 0
    const reconnecting: Error[] = []
    const subscription = await adapter.subscribe({
      channel: '/data/AccountChangeEvent',
      onMessage: (m) => seen.push(m),
      onConnect: () => {
        connects += 1
      },
      onReconnecting: (reason) => reconnecting.push(reason),
    })
    emulator.org.insert('Account', [{ Name: 'before' }])
    await waitFor(() => seen.length === 1)
    emulator.dropStreamingClients()
    emulator.org.insert('Account', [{ Name: 'while dropped' }])
    await waitFor(() => seen.length === 2)
    emulator.org.insert('Account', [{ Name: 'after' }])
    await waitFor(() => seen.length === 3)
    expect(new Set(seen.map((m) => m.replayId)).size).toBe(3)
    expect(reconnecting.length).toBeGreaterThan(0)
    expect(connects).toBeGreaterThanOrEqual(2)
    await subscription.close()
  })

  it('refreshes an expired session and resumes from the last replay id', async () => {
    const seen: StreamingMessage[] = []
    const subscription = await adapter.subscribe({
      channel: '/data/ContactChangeEvent',
      onMessage: (m) => seen.push(m),
    })
    emulator.org.insert('Contact', [{ LastName: 'one' }])
    await waitFor(() => seen.length === 1)
    emulator.org.sessions.expireAll()
    emulator.dropStreamingClients()
    emulator.org.insert('Contact', [{ LastName: 'two' }])
    await waitFor(() => seen.length === 2)
    expect(subscription.lastReplayId).toBe(seen[1]?.replayId)
    await subscription.close()
  })
})
