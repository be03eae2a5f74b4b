import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createDashboard, type DashboardHandler } from '../../../src/dashboard.js'
import { ConfigError } from '../../../src/errors/config-error.js'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'
import { waitFor } from '../../support/wait-for.js'

// The dashboard handler over plain HTTP (the page in a browser: dashboard.browser.test.ts).
const db = useTestDatabase()
const account = defineMapping({ object: 'Account', access: 'read_write', fields: ['Name'] })
let fixture: SyncFixture | undefined
let server: Server | undefined
let dashboard: DashboardHandler | undefined
afterEach(async () => {
  dashboard?.close()
  server?.closeAllConnections()
  server?.close()
  await fixture?.close()
  fixture = undefined
})

/** Serves the dashboard mounted at `/ops`, as Express would (baseUrl set, prefix stripped). */
async function mounted(): Promise<string> {
  fixture = await syncFixture(db(), [account])
  dashboard = createDashboard({ engine: fixture.engine })
  const handler = dashboard
  server = createServer((req, res) => {
    if (!req.url?.startsWith('/ops')) return void res.writeHead(418).end()
    const request = req as IncomingMessage & { baseUrl: string }
    request.baseUrl = '/ops'
    request.url = req.url.slice(4) || '/'
    handler(request, res, () => res.writeHead(299).end())
  }).listen(0, '127.0.0.1')
  await once(server, 'listening')
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

describe('the dashboard handler', () => {
  it('works mounted under a path, and hands unknown paths to next()', async () => {
    const url = await mounted()
    const page = await fetch(`${url}/ops/`)
    expect(page.status).toBe(200)
    const text = await page.text()
    expect(text).toContain('<base href="/ops/">')
    expect(text).toContain('No failed writes.')
    expect((await fetch(`${url}/ops/panels`)).status).toBe(200)
    expect((await fetch(`${url}/ops/elsewhere`)).status).toBe(299)
  })

  it('listens to change events only while a browser streams them', async () => {
    const url = await mounted()
    const engine = fixture?.engine
    expect(engine?.listenerCount('change')).toBe(0)
    const controller = new AbortController()
    const stream = await fetch(`${url}/ops/events`, { signal: controller.signal })
    expect(stream.headers.get('content-type')).toContain('text/event-stream')
    expect(engine?.listenerCount('change')).toBe(1)
    // A change crosses while the stream is open: it arrives as an event.
    fixture?.org.insert('Account', [{ Name: 'Acme' }])
    await engine?.syncOnce()
    const reader = stream.body?.getReader()
    let received = ''
    while (!received.includes('event: change')) {
      const chunk = await reader?.read()
      if (!chunk || chunk.done) break
      received += Buffer.from(chunk.value).toString()
    }
    expect(received).toMatch(/event: change\ndata: \{"direction":"pull","mapping":"Account"/)
    controller.abort()
    await waitFor(() => engine?.listenerCount('change') === 0, 5_000, 'the listener to go')
  })

  it('refuses bad options with a ConfigError naming each', async () => {
    fixture = await syncFixture(db(), [account])
    const engine = fixture.engine
    expect(() =>
      createDashboard({
        engine,
        actions: 'yes' as unknown as boolean,
        auth: { username: 'a', password: '' },
      }),
    ).toThrow(ConfigError)
    expect(() => createDashboard({ engine, auth: { username: 'a', password: '' } })).toThrow(/auth/)
  })
})
