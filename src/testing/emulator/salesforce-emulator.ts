import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { SalesforceApiError } from '../../errors/salesforce-api-error.js'
import { InMemoryOrg, type InMemoryOrgOptions } from '../org/in-memory-org.js'
import { handleAuth } from './auth-routes.js'
import { BulkJobs } from './bulk-routes.js'
import { CometdServer } from './cometd-server.js'
import { DEFAULT_CREDENTIALS, type EmulatorCredentials } from './emulator-credentials.js'
import { HttpExchange } from './http-exchange.js'
import { type PubSubFault, PubSubServer, type PubSubStats } from './pubsub-server.js'
import { QueryLocators } from './query-locators.js'
import { REST_ROUTES } from './rest-routes.js'

/** Options of {@link SalesforceEmulator.start}. */
export interface SalesforceEmulatorOptions {
  /** The org to serve; a new `InMemoryOrg` (with `orgOptions`) by default. */
  readonly org?: InMemoryOrg
  readonly orgOptions?: InMemoryOrgOptions
  /** Port on 127.0.0.1. @default 0 (a free port) */
  readonly port?: number
  /** Credentials the login endpoints accept. */
  readonly credentials?: Partial<EmulatorCredentials>
  /** How long a CometD `/meta/connect` is held when there is nothing to deliver. @default 5000 */
  readonly longPollTimeoutMs?: number
  /**
   * How long a Pub/Sub Subscribe stream with nothing to deliver waits before an empty keepalive
   * response carrying the latest replay id (Salesforce: within 270 s). @default 270000
   */
  readonly pubSubKeepaliveMs?: number
}

/** One request the emulator answered, for assertions. */
export interface RequestLogEntry {
  readonly method: string
  readonly path: string
  readonly query: string
  readonly status: number
  readonly durationMs: number
}

/**
 * A Salesforce org on 127.0.0.1 that the real jsforce client talks to over real HTTP: OAuth 2 and
 * SOAP login, REST query/queryMore/queryAll, describe, single and collection CRUD, upsert by
 * external id, getUpdated/getDeleted, limits (and `Sforce-Limit-Info`), Bulk API 2.0 ingest and
 * query, the Streaming API (CometD long polling with replay), and the Pub/Sub API (gRPC over TLS
 * with a certificate made at start: `pubSubEndpoint`, `pubSubCertificate`). It serves an
 * {@link InMemoryOrg}, whose fault injection, clock and event bus drive the tests; both streaming
 * endpoints are fed by the org's one change-event log.
 *
 * @example
 * ```ts
 * const emulator = await SalesforceEmulator.start()
 * const conn = new jsforce.Connection({ instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken })
 * await conn.query('SELECT Id FROM Account')
 * await emulator.stop()
 * ```
 */
export class SalesforceEmulator {
  readonly org: InMemoryOrg
  readonly instanceUrl: string
  readonly loginUrl: string
  /** A valid session token, issued at start. */
  readonly accessToken: string
  readonly credentials: EmulatorCredentials
  /** The Pub/Sub API endpoint, `127.0.0.1:<port>` (gRPC over TLS). */
  readonly pubSubEndpoint: string
  /** The PEM certificate the Pub/Sub endpoint serves (self-signed, made at start): trust it as `ca`. */
  readonly pubSubCertificate: string
  private readonly server: Server
  private readonly log: RequestLogEntry[] = []
  private readonly cometd: CometdServer
  private readonly pubSub: PubSubServer

  private constructor(
    server: Server,
    org: InMemoryOrg,
    credentials: EmulatorCredentials,
    cometd: CometdServer,
    pubSub: PubSubServer,
  ) {
    this.server = server
    this.org = org
    this.credentials = credentials
    this.cometd = cometd
    this.pubSub = pubSub
    this.pubSubEndpoint = pubSub.endpoint
    this.pubSubCertificate = pubSub.certificate
    const { port } = server.address() as AddressInfo
    this.instanceUrl = `http://127.0.0.1:${port}`
    this.loginUrl = this.instanceUrl
    this.accessToken = org.sessions.issue()
  }

  /** Starts an emulator; resolves once it listens. */
  static async start(options: SalesforceEmulatorOptions = {}): Promise<SalesforceEmulator> {
    const org = options.org ?? new InMemoryOrg(options.orgOptions)
    const credentials = { ...DEFAULT_CREDENTIALS, ...options.credentials }
    const cometd = new CometdServer(org, options.longPollTimeoutMs ?? 5_000)
    const locators = new QueryLocators()
    const bulk = new BulkJobs()
    let emulator: SalesforceEmulator | undefined
    const server = createServer((request, response) => {
      void emulator?.serve(new HttpExchange(request, response), locators, bulk)
    })
    server.keepAliveTimeout = 60_000
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(options.port ?? 0, '127.0.0.1', resolve)
    })
    const pubSub = await PubSubServer.start(org, { keepaliveMs: options.pubSubKeepaliveMs })
    emulator = new SalesforceEmulator(server, org, credentials, cometd, pubSub)
    return emulator
  }

  /** Requests answered so far, oldest first. */
  get requests(): readonly RequestLogEntry[] {
    return this.log
  }

  clearRequests(): void {
    this.log.length = 0
  }

  /** Drops every streaming client: each must handshake again (pgforce's client does so on its own). */
  dropStreamingClients(): void {
    this.cometd.dropClients()
  }

  /** What the Pub/Sub endpoint did so far (subscribes, deliveries, most events outstanding…). */
  get pubSubStats(): PubSubStats {
    return this.pubSub.stats
  }

  /**
   * Makes the next `count` Pub/Sub Subscribe calls fail with `fault` (at their first request), as
   * Salesforce answers it: gRPC status plus the `error-code` trailer.
   */
  failPubSub(fault: PubSubFault, count = 1): void {
    this.pubSub.failSubscribes(fault, count)
  }

  /** Ends every open Pub/Sub Subscribe stream with `fault` now. */
  breakPubSubStreams(fault: PubSubFault): void {
    this.pubSub.breakStreams(fault)
  }

  /** Stops listening and closes every connection, held long polls and Pub/Sub streams included. */
  async stop(): Promise<void> {
    await this.pubSub.stop()
    this.cometd.stop()
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private async serve(x: HttpExchange, locators: QueryLocators, bulk: BulkJobs): Promise<void> {
    const started = Date.now()
    x.response.on('finish', () =>
      this.log.push({
        method: x.method,
        path: x.path,
        query: x.url.search,
        status: x.status,
        durationMs: Date.now() - started,
      }),
    )
    try {
      const version = /\/v?(\d+\.\d)/.exec(x.path)?.[1] ?? '60.0'
      if (
        await handleAuth(x, {
          org: this.org,
          credentials: this.credentials,
          baseUrl: this.instanceUrl,
          version,
        })
      )
        return
      const token = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(x.header('authorization') ?? '')?.[1]
      if (x.path.startsWith('/cometd/')) {
        await this.cometd.handle(x, token)
        return
      }
      const rest = /^\/services\/data\/v(\d+\.\d)(\/.*)?$/.exec(x.path)
      if (!rest) {
        if (x.path === '/services/data' || x.path === '/services/data/') {
          x.sendJson(200, [{ label: 'Winter', url: '/services/data/v60.0', version: '60.0' }])
        } else x.sendError(notFound())
        return
      }
      // The request is received in full before the latency: a client that goes away while it
      // waits for the answer does not undo the request (a real org carries it out too).
      await x.text()
      if (this.org.faults.latencyMs > 0)
        await new Promise((resolve) => setTimeout(resolve, this.org.faults.latencyMs))
      if (!this.org.sessions.isValid(token)) {
        x.sendJson(401, [
          { message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' },
        ])
        return
      }
      const fault = this.org.faults.takeRequestFault(x.method, x.path)
      if (fault) {
        for (const [name, value] of Object.entries(fault.headers)) x.setHeader(name, value)
        x.sendJson(fault.status, fault.body)
        return
      }
      this.org.api.charge()
      x.setHeader('Sforce-Limit-Info', `api-usage=${this.org.api.used}/${this.org.api.limit}`)
      const path = rest[2] ?? '/'
      const client = /client=([^,\s]+)/.exec(x.header('sforce-call-options') ?? '')?.[1]
      const origin = client
        ? `com/salesforce/api/rest/${version};client=${client}`
        : `com/salesforce/api/rest/${version}`
      if (path.startsWith('/jobs/')) {
        if (
          await bulk.handle(
            x,
            { org: this.org, version, origin: origin.replace('/api/rest/', '/api/bulkapi/') },
            path,
          )
        )
          return
      }
      for (const [method, pattern, handler] of REST_ROUTES) {
        const match = x.method === method ? pattern.exec(path) : null
        if (match) {
          await handler(x, { org: this.org, locators, version, write: { origin } }, match.slice(1))
          return
        }
      }
      x.sendError(notFound())
    } catch (error) {
      if (!x.response.headersSent) x.sendError(error)
      else x.response.destroy()
    }
  }
}

function notFound(): SalesforceApiError {
  return new SalesforceApiError('The requested resource does not exist', {
    errorCode: 'NOT_FOUND',
    statusCode: 404,
  })
}
