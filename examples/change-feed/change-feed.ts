import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  type ChangeEvent,
  createConnection,
  defineMapping,
  type SalesforceOptions,
  SyncEngine,
} from 'pgforce'

/**
 * The page: it opens an EventSource on `/events` and adds one line per change. Values are put in
 * the page with `textContent`, never as HTML: they are whatever someone typed into Salesforce.
 */
const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Live changes</title>
<style>
body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem; color: #1d2430; }
li { padding: .3rem 0; border-bottom: 1px solid #eee; list-style: none; }
.dir { color: #667; font-size: 13px; margin-right: .5rem; }
</style></head>
<body><h1>Live changes <small id="state">connecting…</small></h1>
<ul id="changes"></ul>
<script>
const list = document.getElementById('changes')
const events = new EventSource('/events')
events.onopen = () => { document.getElementById('state').textContent = '(live)' }
events.addEventListener('change', (e) => {
  const change = JSON.parse(e.data)
  const li = document.createElement('li')
  const dir = document.createElement('span')
  dir.className = 'dir'
  dir.textContent = change.direction === 'pull' ? 'from Salesforce' : 'to Salesforce'
  const what = document.createElement('span')
  const values = Object.entries(change.values || {}).map(([k, v]) => k + ' = ' + v).join(', ')
  what.textContent = change.mapping + ' ' + change.action + ' ' + change.sfid + (values ? ': ' + values : '')
  li.append(dir, what)
  list.prepend(li)
})
</script></body></html>`

/**
 * A request handler that streams the engine's `change` events to browsers as Server-Sent Events
 * (`GET /events`) and serves a page that shows them (`GET /`). It listens to `change` only while
 * a browser is connected: with no listener, the engine builds no events at all.
 */
export function changeFeed(engine: SyncEngine) {
  const browsers = new Set<ServerResponse>()
  const send = (change: ChangeEvent) => {
    const message = `event: change\ndata: ${JSON.stringify(change)}\n\n`
    for (const browser of browsers) browser.write(message)
  }
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' })
      res.write(': connected\n\n')
      if (browsers.size === 0) engine.on('change', send)
      browsers.add(res)
      req.on('close', () => {
        browsers.delete(res)
        if (browsers.size === 0) engine.off('change', send)
      })
    } else if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      res.end(PAGE)
    } else {
      res.writeHead(404).end()
    }
  }
  /** Ends every stream (so the server can close). */
  const close = () => {
    for (const browser of browsers) browser.end()
    engine.off('change', send)
  }
  return Object.assign(handler, { close })
}

/**
 * The example app: syncs Accounts (Change Data Capture streaming both ways, the default) with
 * values in the change events, and serves the live page on `port` (0: any free port).
 */
export async function startChangeFeedApp(
  salesforce: SalesforceOptions,
  databaseUrl: string,
  options: { schema?: string; port?: number } = {},
) {
  const connection = await createConnection({
    salesforce,
    postgres: { connectionString: databaseUrl },
    schema: options.schema ?? 'salesforce',
  })
  const account = defineMapping({
    object: 'Account',
    access: 'read_write',
    fields: ['Name', 'Industry'],
  })
  const engine = new SyncEngine({
    connection,
    mappings: [account],
    changeEvents: { values: true }, // the page shows what changed, not just which columns
  })
  engine.on('error', ({ error, context }) => console.error(`[pgforce] ${context}:`, error.message))
  await engine.install()
  await engine.start()
  const feed = changeFeed(engine)
  const server: Server = createServer(feed).listen(options.port ?? 3000, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    engine,
    url: `http://127.0.0.1:${port}/`,
    async stop() {
      feed.close()
      server.close()
      await engine.stop()
      await connection.close()
    },
  }
}
