import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { OptionReader } from '../config/option-reader.js'
import { ActivityFeed } from './activity-feed.js'
import type { DashboardEngine } from './dashboard-engine.js'
import type { SafeHtml } from './html.js'
import { renderPage } from './render-page.js'
import { type DashboardView, renderPanels } from './render-panels.js'

/** Options of {@link createDashboard}. */
export interface DashboardOptions {
  /** The engine to show (a `SyncEngine`); started or not. */
  readonly engine: DashboardEngine
  /**
   * Show and accept the buttons that change things: retry and ignore a failed write, pause and
   * resume the engine. @default false (read-only)
   */
  readonly actions?: boolean
  /**
   * HTTP basic authentication for every request. Without it the dashboard asks for none: put it
   * behind your own middleware (or keep it on 127.0.0.1).
   */
  readonly auth?: { readonly username: string; readonly password: string }
  /** Failed writes listed, newest first. @default 100 */
  readonly failedLimit?: number
}

/**
 * A request handler for the host's own `http` server or Express app. It stays attached to the
 * engine's events: `close()` detaches it and ends the live streams (call it before closing the
 * server, whose open event streams would otherwise keep it waiting).
 */
export interface DashboardHandler {
  (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): void
  close(): void
}

/**
 * The pgforce dashboard as a `(req, res) => void` handler (docs/guides/dashboard.md): the
 * mappings with their state, pull and push lag, backlog and API use; the failed writes with
 * Salesforce's message (retry and ignore them with `actions: true`); recent runs; and a live feed
 * of `change` events over Server-Sent Events. Server-rendered HTML with a little script; every
 * value shown is escaped. Mount it at any path (`app.use('/pgforce', dashboard)`), or serve it
 * alone: `http.createServer(dashboard)`.
 *
 * @example
 * ```ts
 * import { createDashboard } from 'pgforce/dashboard'
 * const dashboard = createDashboard({ engine, actions: true, auth: { username: 'ops', password } })
 * http.createServer(dashboard).listen(8080, '127.0.0.1')
 * ```
 */
export function createDashboard(options: DashboardOptions): DashboardHandler {
  const read = new OptionReader('dashboard options')
  if (!read.object('options', options)) read.finish()
  const engine = options.engine
  if (typeof engine?.status !== 'function' || typeof engine.on !== 'function')
    read.problem('engine', 'a SyncEngine', engine)
  const actions = options.actions === undefined ? false : read.boolean('actions', options.actions)
  const auth = options.auth
  if (
    auth !== undefined &&
    (typeof auth?.username !== 'string' || typeof auth.password !== 'string' || !auth.password)
  )
    read.problem('auth', '{ username, password } (strings, a non-empty password)', auth)
  const failedLimit = read.integer('failedLimit', options.failedLimit ?? 100, { min: 1 })
  read.finish()
  const feed = new ActivityFeed(engine)
  const context: RouteContext = {
    engine,
    feed,
    actions: actions === true,
    failedLimit: failedLimit as number,
  }
  const handler = ((req, res, next) => {
    if (auth && !authorized(req, auth)) {
      res.writeHead(401, {
        'www-authenticate': 'Basic realm="pgforce", charset="UTF-8"',
        'content-type': 'text/plain; charset=utf-8',
      })
      res.end('Authentication required\n')
      return
    }
    route(context, req, res).then(
      (handled) => {
        if (handled) return
        if (next) next()
        else send(res, 404, 'text/plain; charset=utf-8', 'Not found\n')
      },
      (error: unknown) => {
        if (res.headersSent) res.end()
        else json(res, 500, { error: error instanceof Error ? error.message : String(error) })
      },
    )
  }) as DashboardHandler
  handler.close = () => feed.close()
  return handler
}

interface RouteContext {
  readonly engine: DashboardEngine
  readonly feed: ActivityFeed
  readonly actions: boolean
  readonly failedLimit: number
}

/** Serves one request; `false` when the path is not the dashboard's. */
async function route(
  context: RouteContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  const path = new URL(req.url ?? '/', 'http://dashboard').pathname
  if (req.method === 'GET' || req.method === 'HEAD') {
    if (path === '/' || path === '') {
      const nonce = randomBytes(16).toString('base64')
      page(res, renderPage(await view(context), baseOf(req), nonce), nonce)
      return true
    }
    if (path === '/panels') {
      page(res, renderPanels(await view(context)), undefined)
      return true
    }
    if (path === '/events') {
      context.feed.subscribe(res)
      return true
    }
    if (path === '/api/status') {
      const v = await view(context)
      json(res, 200, { status: v.status, failedWrites: v.failed, recentRuns: v.runs })
      return true
    }
    return false
  }
  if (req.method === 'POST' && path.startsWith('/actions/')) {
    await act(context, path.slice('/actions/'.length), req, res)
    return true
  }
  return false
}

async function view(context: RouteContext): Promise<DashboardView> {
  const { engine, feed } = context
  const [status, failed] = await Promise.all([
    engine.status(),
    engine.failedWrites({ limit: context.failedLimit }),
  ])
  return {
    status,
    failed,
    runs: feed.recentRuns(),
    changes: feed.recentChanges(),
    actions: context.actions,
    now: new Date(),
  }
}

/**
 * `POST …/actions/{retry,ignore,pause,resume}`: only with `actions: true`, and only from the
 * page's own script (it sends `x-pgforce-dashboard`, which a form on another site cannot).
 */
async function act(
  context: RouteContext,
  action: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (!context.actions) {
    json(res, 403, { error: 'This dashboard is read-only (createDashboard({ actions: true }))' })
    return
  }
  if (req.headers['x-pgforce-dashboard'] !== '1') {
    json(res, 403, { error: 'Actions come from the dashboard page only' })
    return
  }
  const body = await readJson(req)
  const { engine } = context
  const entry = (): { objects: string[]; entryIds: number[] } | undefined =>
    typeof body.mapping === 'string' && Number.isInteger(body.entryId)
      ? { objects: [body.mapping], entryIds: [body.entryId as number] }
      : undefined
  try {
    if (action === 'pause') {
      await engine.pause()
      json(res, 200, { message: 'Paused: no pulls or pushes start until you resume.' })
    } else if (action === 'resume') {
      await engine.resume()
      json(res, 200, { message: 'Resumed.' })
    } else if (action === 'retry' || action === 'ignore') {
      const filter = entry()
      if (!filter) {
        json(res, 400, { error: 'Expected { mapping, entryId }' })
        return
      }
      const count =
        action === 'retry' ? await engine.retryFailed(filter) : await engine.ignoreFailed(filter)
      json(res, 200, {
        message:
          count === 0
            ? `Entry ${filter.entryIds[0]} is no longer failed.`
            : action === 'retry'
              ? `Entry ${filter.entryIds[0]} is queued to be sent again.`
              : `Entry ${filter.entryIds[0]} is ignored (archived).`,
        count,
      })
    } else json(res, 404, { error: `Unknown action "${action}"` })
  } catch (error) {
    json(res, 409, { error: error instanceof Error ? error.message : String(error) })
  }
}

/** The path the dashboard is mounted at, for relative links (Express sets `baseUrl`). */
function baseOf(req: IncomingMessage): string {
  const mounted = (req as IncomingMessage & { baseUrl?: unknown }).baseUrl
  return `${typeof mounted === 'string' ? mounted.replace(/\/$/, '') : ''}/`
}

function authorized(
  req: IncomingMessage,
  auth: { readonly username: string; readonly password: string },
): boolean {
  const header = req.headers.authorization ?? ''
  if (!header.startsWith('Basic ')) return false
  const given = Buffer.from(header.slice(6), 'base64')
  const expected = Buffer.from(`${auth.username}:${auth.password}`)
  return given.length === expected.length && timingSafeEqual(given, expected)
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = ''
  for await (const chunk of req) {
    text += String(chunk)
    if (text.length > 10_000) break
  }
  try {
    const parsed: unknown = JSON.parse(text || '{}')
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}

function page(res: ServerResponse, body: SafeHtml, nonce: string | undefined): void {
  res.setHeader(
    'content-security-policy',
    nonce
      ? `default-src 'self'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; frame-ancestors 'self'`
      : "default-src 'none'",
  )
  res.setHeader('x-content-type-options', 'nosniff')
  res.setHeader('cache-control', 'no-store')
  send(res, 200, 'text/html; charset=utf-8', body.text)
}

function json(res: ServerResponse, code: number, value: unknown): void {
  send(res, code, 'application/json; charset=utf-8', JSON.stringify(value))
}

function send(res: ServerResponse, code: number, type: string, body: string): void {
  res.writeHead(code, { 'content-type': type })
  res.end(body)
}
