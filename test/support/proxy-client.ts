/**
 * Run as a child process by test/integration/salesforce/proxies.test.ts, with proxy variables in
 * its environment (the test harness clears them in its own process): a JsforceAdapter built from
 * `<instanceUrl> <accessToken>` counts Users, subscribes to Account change events, creates an
 * Account and waits for its event; with a third argument `write-only` it only creates the Account
 * (a POST, which jsforce does not retry). Prints one JSON line: what worked, the error if something
 * did not, and how long it took.
 */

import type { SalesforceApiError } from '../../src/index.js'
import { JsforceAdapter } from '../../src/index.js'

const [instanceUrl = '', accessToken = '', mode] = process.argv.slice(2)
const started = Date.now()
const result: Record<string, unknown> = {}
let adapter: JsforceAdapter | undefined
try {
  adapter = await JsforceAdapter.create({ instanceUrl, accessToken, streamingRetryMs: 100 })
  if (mode === 'write-only') {
    await adapter.create('Account', [{ Name: 'written' }])
    throw new Error('expected the write to fail')
  }
  result.users = await adapter.count('SELECT COUNT() FROM User')
  let heard!: () => void
  const event = new Promise<void>((resolve) => {
    heard = resolve
  })
  await adapter.subscribe({ channel: '/data/AccountChangeEvent', onMessage: () => heard() })
  await adapter.create('Account', [{ Name: 'through the proxy question' }])
  await event
  result.streamed = true
} catch (error) {
  const e = error as SalesforceApiError
  result.error = { errorCode: e.errorCode, message: e.message }
}
await adapter?.close()
result.ms = Date.now() - started
console.log(JSON.stringify(result))
