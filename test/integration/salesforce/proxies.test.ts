import { execFile } from 'node:child_process'
import { resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { JsforceAdapter } from '../../../src/salesforce/jsforce/jsforce-adapter.js'
import type { StreamingMessage } from '../../../src/salesforce/salesforce-adapter.js'
import { SalesforceEmulator } from '../../../src/testing/emulator/salesforce-emulator.js'
import { startTinyProxy, type TinyProxy } from '../../support/tiny-proxy.js'
import { waitFor } from '../../support/wait-for.js'

const run = promisify(execFile)
const tsx = resolve('node_modules/.bin/tsx')
const client = resolve('test/support/proxy-client.ts')
const DEAD_PROXY = 'http://127.0.0.1:9'

let emulator: SalesforceEmulator
let proxy: TinyProxy
/** The emulator under a name only the proxy can reach. */
let hiddenUrl: string

beforeAll(async () => {
  emulator = await SalesforceEmulator.start({ longPollTimeoutMs: 1_000 })
  proxy = await startTinyProxy(Number(new URL(emulator.instanceUrl).port))
  hiddenUrl = emulator.instanceUrl.replace('127.0.0.1', 'salesforce.invalid')
})
afterAll(async () => {
  await proxy.stop()
  await emulator.stop()
})

/** Runs test/support/proxy-client.ts with `env` added to a proxy-free environment. */
async function runClient(instanceUrl: string, env: Record<string, string>, mode?: 'write-only') {
  const token = emulator.org.sessions.issue()
  const { stdout } = await run(tsx, [client, instanceUrl, token, ...(mode ? [mode] : [])], {
    env: { ...process.env, ...env },
    timeout: 60_000,
  })
  return JSON.parse(stdout) as {
    users?: number
    streamed?: boolean
    error?: { errorCode: string; message: string }
    ms: number
  }
}

describe('proxies', () => {
  it('reaches an emulator on loopback directly, with HTTP(S)_PROXY pointing at a dead proxy', async () => {
    const result = await runClient(emulator.instanceUrl, {
      HTTP_PROXY: DEAD_PROXY,
      HTTPS_PROXY: DEAD_PROXY,
      http_proxy: DEAD_PROXY,
      https_proxy: DEAD_PROXY,
    })
    expect(result).toMatchObject({ users: 1, streamed: true })
    expect(result.ms).toBeLessThan(5_000) // jsforce alone retried the dead proxy for ~15 s
  })

  it('sends REST and streaming through the proxy HTTP_PROXY names', async () => {
    const before = proxy.seen.length
    const result = await runClient(hiddenUrl, { HTTP_PROXY: proxy.url })
    expect(result).toMatchObject({ users: 1, streamed: true })
    const host = new URL(hiddenUrl).host
    expect(proxy.seen.slice(before).every((line) => line.includes(host))).toBe(true)
    expect(proxy.seen.length).toBeGreaterThan(before)
  })

  it('honours NO_PROXY', async () => {
    const before = proxy.seen.length
    const result = await runClient(
      hiddenUrl,
      { HTTP_PROXY: proxy.url, NO_PROXY: 'localhost,.invalid' },
      'write-only',
    )
    // Direct, salesforce.invalid does not resolve: the write fails with a DNS error.
    expect(result.error?.errorCode).toMatch(/^(ENOTFOUND|EAI_AGAIN)$/)
    expect(proxy.seen.length).toBe(before)
  })

  it('uses the explicit proxy option for REST, login and streaming, and its noProxy list', async () => {
    const before = proxy.seen.length
    const adapter = await JsforceAdapter.create({
      instanceUrl: hiddenUrl,
      accessToken: emulator.org.sessions.issue(),
      proxy: proxy.url,
    })
    expect(await adapter.count('SELECT COUNT() FROM User')).toBe(1)
    const seen: StreamingMessage[] = []
    const subscription = await adapter.subscribe({
      channel: '/data/AccountChangeEvent',
      onMessage: (m) => seen.push(m),
    })
    await adapter.create('Account', [{ Name: 'via proxy' }])
    await waitFor(() => seen.length === 1)
    await subscription.close()
    await adapter.close()
    expect(proxy.seen.length).toBeGreaterThan(before)

    const bypassing = await JsforceAdapter.create({
      instanceUrl: hiddenUrl,
      accessToken: emulator.org.sessions.issue(),
      proxy: { url: proxy.url, noProxy: ['*.invalid'] },
    })
    const after = proxy.seen.length
    // A POST, which jsforce does not retry: straight to the DNS failure.
    await expect(bypassing.create('Account', [{ Name: 'direct' }])).rejects.toMatchObject({
      errorCode: expect.stringMatching(/^(ENOTFOUND|EAI_AGAIN)$/),
    })
    expect(proxy.seen.length).toBe(after)
    await bypassing.close()
  })
})
