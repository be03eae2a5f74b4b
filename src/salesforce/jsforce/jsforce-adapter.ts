import type { Connection } from 'jsforce'
import { EngineStateError } from '../../errors/engine-state-error.js'
import type { SalesforceApiError } from '../../errors/salesforce-api-error.js'
import type { TokenSharing } from '../auth/shared-token-source.js'
import { type ProxyOption, proxyFor } from '../http/proxy-for.js'
import type { JsforceModules } from '../load-http-stack.js'
import { organizationIdOf } from '../pubsub/organization-id.js'
import type {
  BulkIngestRequest,
  BulkIngestResult,
  DescribeOptions,
  QueryOptions,
  SalesforceAdapter,
  StreamingSession,
  StreamSubscription,
  SubscribeRequest,
  WriteOptions,
} from '../salesforce-adapter.js'
import type {
  ApiUsage,
  DeletedResult,
  DescribeGlobalResult,
  OrgLimits,
  SaveResult,
  SObjectDescribe,
  SObjectRecord,
  UpdatedResult,
} from '../salesforce-types.js'
import { runBulkIngest } from './bulk-ingest-job.js'
import { bulkQueryPages } from './bulk-query-pages.js'
import {
  type JsforceAdapterOptions,
  type ResolvedAuth,
  resolveJsforceOptions,
} from './jsforce-adapter-options.js'
import { JsforceSession } from './jsforce-session.js'
import { subscribeWithJsforce } from './jsforce-subscription.js'
import { normaliseSaveResult } from './normalise-save-result.js'
import { type OpenedConnection, openJsforceConnection } from './open-jsforce-connection.js'

interface QueryPage {
  records: SObjectRecord[]
  done: boolean
  nextRecordsUrl?: string
  totalSize: number
}

/**
 * The `SalesforceAdapter` over jsforce 3: REST for queries (paged to the end, no 10 000 cap) and
 * sObject Collections (≤ 200 per call), Bulk API 2.0 for ingest and query (paged by pgforce),
 * Streaming API (pgforce's own CometD client) with replay, and session refresh where the auth
 * allows it. Every error is a `SalesforceApiError`. When the session expires and the auth cannot
 * refresh it (an access token alone), the adapter fails that call and every later one at once with
 * a permanent `INVALID_SESSION_ID` that says what to do, instead of retrying.
 *
 * jsforce and undici are loaded by `create()`, which throws an `EngineStateError` on a Node.js
 * older than 22.19.
 *
 * @example
 * ```ts
 * const salesforce = await JsforceAdapter.create({ instanceUrl, accessToken })
 * for await (const account of salesforce.query('SELECT Id, Name FROM Account')) console.log(account.Name)
 * ```
 */
export class JsforceAdapter implements SalesforceAdapter {
  /** The jsforce connection, for calls the adapter does not cover. */
  readonly connection: Connection
  private readonly jsforce: JsforceModules
  private readonly settings: AdapterSettings
  private readonly describes = new Map<string, Promise<SObjectDescribe>>()
  private readonly subscriptions = new Set<StreamSubscription>()
  private readonly session: JsforceSession
  private closed = false

  private constructor(opened: OpenedConnection, settings: AdapterSettings) {
    this.connection = opened.conn
    this.jsforce = opened.jsforce
    this.settings = settings
    this.session = new JsforceSession(opened.conn, settings.auth, opened.lastRenewalError)
  }

  /**
   * Validates options (`ConfigError`), loads jsforce (`EngineStateError` on a Node.js it cannot run
   * on), connects and logs in where needed (`SalesforceApiError`).
   *
   * @param sharing @internal The database through which `createConnection()` shares the session
   *   of a login among workers (`shareToken`); without it the adapter logs in on its own.
   */
  static async create(
    options: JsforceAdapterOptions,
    sharing?: TokenSharing,
  ): Promise<JsforceAdapter> {
    const { auth, apiVersion, originClient, streamingRetryMs, proxy, shareToken } =
      resolveJsforceOptions(options)
    const opened = await openJsforceConnection(
      auth,
      apiVersion,
      originClient,
      proxy,
      shareToken ? sharing : undefined,
    )
    return new JsforceAdapter(opened, { retryMs: streamingRetryMs, proxy, auth: auth.kind })
  }

  /**
   * How this adapter logs in (`token`, `password`, `client_credentials`, `connection`) and whether
   * it can renew an expired session (`pgforce diagnose` reports it).
   */
  get authFlow(): { readonly kind: string; readonly renewable: boolean } {
    return { kind: this.settings.auth, renewable: this.session.canRefresh }
  }

  get apiUsage(): ApiUsage | undefined {
    const usage = this.connection.limitInfo?.apiUsage
    return usage ? { used: usage.used, max: usage.limit } : undefined
  }

  describeGlobal(): Promise<DescribeGlobalResult> {
    return this.call(
      () => this.connection.describeGlobal() as unknown as Promise<DescribeGlobalResult>,
    )
  }

  /**
   * Describes are kept for the adapter's life (Bulk 2.0 results are typed with them); `refresh`
   * asks Salesforce again and keeps the fresh one (the engine does after a change in Setup).
   */
  describe(objectName: string, options: DescribeOptions = {}): Promise<SObjectDescribe> {
    const key = objectName.toLowerCase()
    let cached = options.refresh ? undefined : this.describes.get(key)
    if (!cached) {
      const fetched = this.call(
        // jsforce keeps describes too (describe$); `describe()` itself always asks.
        () => this.connection.describe(objectName) as unknown as Promise<SObjectDescribe>,
      )
      fetched.catch(() => {
        if (this.describes.get(key) === fetched) this.describes.delete(key)
      })
      this.describes.set(key, fetched)
      cached = fetched
    }
    return cached
  }

  query<T extends SObjectRecord = SObjectRecord>(
    soql: string,
    options: QueryOptions = {},
  ): AsyncIterable<T> {
    return this.pages<T>(soql, false, options)
  }

  queryAll<T extends SObjectRecord = SObjectRecord>(
    soql: string,
    options: QueryOptions = {},
  ): AsyncIterable<T> {
    return this.pages<T>(soql, true, options)
  }

  async count(soql: string): Promise<number> {
    const result = await this.call(
      () => this.connection.query(soql, { autoFetch: false }) as unknown as Promise<QueryPage>,
    )
    return result.totalSize
  }

  create(
    objectName: string,
    records: readonly SObjectRecord[],
    options: WriteOptions = {},
  ): Promise<SaveResult[]> {
    return this.chunked(records, (chunk) =>
      this.connection.sobject(objectName).create(chunk, { allOrNone: options.allOrNone ?? false }),
    )
  }

  update(
    objectName: string,
    records: readonly SObjectRecord[],
    options: WriteOptions = {},
  ): Promise<SaveResult[]> {
    return this.chunked(asJsforce(records) as JsforceRecord<{ Id: string }>[], (chunk) =>
      this.connection.sobject(objectName).update(chunk, { allOrNone: options.allOrNone ?? false }),
    )
  }

  upsert(
    objectName: string,
    externalIdField: string,
    records: readonly SObjectRecord[],
    options: WriteOptions = {},
  ): Promise<SaveResult[]> {
    return this.chunked(records, (chunk) =>
      this.connection
        .sobject(objectName)
        .upsert(chunk, externalIdField, { allOrNone: options.allOrNone ?? false }),
    )
  }

  delete(
    objectName: string,
    ids: readonly string[],
    options: WriteOptions = {},
  ): Promise<SaveResult[]> {
    return this.chunked(ids, (chunk) =>
      this.connection.sobject(objectName).destroy(chunk, { allOrNone: options.allOrNone ?? false }),
    )
  }

  getUpdated(objectName: string, start: Date, end: Date): Promise<UpdatedResult> {
    return this.call(
      () => this.connection.sobject(objectName).updated(start, end) as Promise<UpdatedResult>,
    )
  }

  getDeleted(objectName: string, start: Date, end: Date): Promise<DeletedResult> {
    return this.call(
      () => this.connection.sobject(objectName).deleted(start, end) as Promise<DeletedResult>,
    )
  }

  bulkIngest(request: BulkIngestRequest): Promise<BulkIngestResult> {
    return this.call(() => runBulkIngest(this.connection, request))
  }

  bulkQuery<T extends SObjectRecord = SObjectRecord>(
    soql: string,
    options: QueryOptions & { readonly includeDeleted?: boolean } = {},
  ): AsyncIterable<readonly T[]> {
    const objectName = /\bFROM\s+([A-Za-z0-9_]+)/i.exec(soql)?.[1] ?? ''
    const adapter = this
    return {
      async *[Symbol.asyncIterator]() {
        adapter.assertUsable()
        try {
          for await (const page of bulkQueryPages(
            adapter.connection,
            adapter.jsforce.HttpApi,
            soql,
            (name) => adapter.describe(name),
            objectName,
            options,
          )) {
            yield page as unknown as readonly T[]
          }
        } catch (error) {
          throw adapter.translate(error)
        }
      },
    }
  }

  async subscribe(request: SubscribeRequest): Promise<StreamSubscription> {
    this.assertUsable()
    const subscription = await subscribeWithJsforce(
      {
        conn: this.connection,
        retryMs: this.settings.retryMs,
        proxyFor: (url) => proxyFor(url, this.settings.proxy),
        refreshSession: (since) => {
          this.assertUsable()
          return this.session.refresh(since)
        },
      },
      request,
    )
    this.subscriptions.add(subscription)
    return subscription
  }

  async streamingSession(
    options: { readonly refreshedSince?: number } = {},
  ): Promise<StreamingSession> {
    this.assertUsable()
    if (options.refreshedSince !== undefined) await this.session.refresh(options.refreshedSince)
    const conn = this.connection
    const accessToken = conn.accessToken ?? ''
    return {
      accessToken,
      instanceUrl: conn.instanceUrl,
      organizationId: organizationIdOf(conn.userInfo?.organizationId, accessToken),
    }
  }

  limits(): Promise<OrgLimits> {
    return this.call(() => this.connection.limits() as unknown as Promise<OrgLimits>)
  }

  async close(): Promise<void> {
    this.closed = true
    await Promise.all([...this.subscriptions].map((s) => s.close()))
    this.subscriptions.clear()
  }

  private pages<T>(soql: string, includeDeleted: boolean, options: QueryOptions): AsyncIterable<T> {
    const adapter = this
    const headers = options.pageSize
      ? { 'Sforce-Query-Options': `batchSize=${options.pageSize}` }
      : undefined
    return {
      async *[Symbol.asyncIterator]() {
        let page = await adapter.call(
          () =>
            adapter.connection.query(soql, {
              autoFetch: false,
              scanAll: includeDeleted,
              headers,
            }) as unknown as Promise<QueryPage>,
        )
        options.onTotalSize?.(page.totalSize)
        for (;;) {
          for (const record of page.records) yield record as T
          if (page.done || !page.nextRecordsUrl) return
          options.signal?.throwIfAborted()
          const next = page.nextRecordsUrl
          page = await adapter.call(
            () => adapter.connection.queryMore(next) as unknown as Promise<QueryPage>,
          )
        }
      },
    }
  }

  private async chunked<I>(
    items: readonly I[],
    send: (chunk: I[]) => Promise<unknown>,
  ): Promise<SaveResult[]> {
    const results: SaveResult[] = []
    for (let start = 0; start < items.length; start += 200) {
      const chunk = items.slice(start, start + 200)
      const saved = (await this.call(() => send(chunk))) as SaveResult | SaveResult[]
      results.push(...(Array.isArray(saved) ? saved : [saved]).map(normaliseSaveResult))
    }
    return results
  }

  private async call<T>(run: () => Promise<T>): Promise<T> {
    this.assertUsable()
    try {
      return await run()
    } catch (error) {
      throw this.translate(error)
    }
  }

  /** jsforce's error → ours; an expired session that cannot be renewed → permanent. */
  private translate(error: unknown): SalesforceApiError {
    return this.session.translate(error)
  }

  private assertUsable(): void {
    if (this.closed) throw new EngineStateError('The Salesforce adapter is closed')
    this.session.assertUsable()
  }
}

interface AdapterSettings {
  readonly retryMs: number
  readonly proxy: ProxyOption | undefined
  readonly auth: ResolvedAuth['kind']
}

/** jsforce's record type: the same JSON, typed more loosely. */
type JsforceRecord<Extra = unknown> = Record<string, never> & Extra

function asJsforce(records: readonly SObjectRecord[]): JsforceRecord[] {
  return records as unknown as JsforceRecord[]
}
