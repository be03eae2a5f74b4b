import { EngineStateError } from '../errors/engine-state-error.js'
import { SalesforceApiError } from '../errors/salesforce-api-error.js'
import type {
  BulkIngestRequest,
  BulkIngestResult,
  QueryOptions,
  SalesforceAdapter,
  StreamingSession,
  StreamSubscription,
  SubscribeRequest,
  WriteOptions,
} from '../salesforce/salesforce-adapter.js'
import type {
  ApiUsage,
  DeletedResult,
  DescribeGlobalResult,
  OrgLimits,
  SaveResult,
  SObjectDescribe,
  SObjectRecord,
  UpdatedResult,
} from '../salesforce/salesforce-types.js'
import { subscribeInMemory } from './in-memory-subscription.js'
import type { InMemoryOrg } from './org/in-memory-org.js'

/** Options of {@link InMemorySalesforceAdapter}. */
export interface InMemorySalesforceAdapterOptions {
  /** Client id written into `changeOrigin` of the changes it makes. @default 'pgforce' */
  readonly clientId?: string
  /**
   * Whether an expired session is refreshed transparently (as with OAuth refresh tokens). With
   * `false`, calls after `org.sessions.expireAll()` fail with `INVALID_SESSION_ID`. @default true
   */
  readonly refreshable?: boolean
}

/**
 * A `SalesforceAdapter` straight over an {@link InMemoryOrg}, no HTTP: for fast unit tests of code
 * that uses pgforce. It behaves as `JsforceAdapter` does against the emulator, as far as a caller
 * can tell: paging, calls of ≤ 200 records, API usage counted per REST call, request faults matched
 * on the same REST paths (a fault fails its call: neither adapter retries on its own, the engine's
 * retry policy does), session expiry, Bulk 2.0 and streaming.
 *
 * @example
 * ```ts
 * const org = new InMemoryOrg()
 * const connection = await createConnection({ salesforce: new InMemorySalesforceAdapter(org), postgres: { connectionString } })
 * ```
 */
export class InMemorySalesforceAdapter implements SalesforceAdapter {
  readonly org: InMemoryOrg
  private readonly origin: string
  private readonly refreshable: boolean
  private token: string
  private closed = false
  /** Bulk 2.0 query jobs made so far (their ids, as the emulator numbers them). */
  private jobs = 0
  private readonly subscriptions = new Set<StreamSubscription>()

  constructor(org: InMemoryOrg, options: InMemorySalesforceAdapterOptions = {}) {
    this.org = org
    this.origin = `com/salesforce/api/rest/${org.apiVersion};client=${options.clientId ?? 'pgforce'}`
    this.refreshable = options.refreshable ?? true
    this.token = org.sessions.issue()
  }

  get apiUsage(): ApiUsage | undefined {
    return { used: this.org.api.used, max: this.org.api.limit }
  }

  describeGlobal(): Promise<DescribeGlobalResult> {
    return this.call('GET', '/sobjects', () => this.org.describeGlobal())
  }

  describe(objectName: string): Promise<SObjectDescribe> {
    return this.call('GET', `/sobjects/${objectName}/describe`, () => this.org.describe(objectName))
  }

  query<T extends SObjectRecord = SObjectRecord>(
    soql: string,
    options: QueryOptions = {},
  ): AsyncIterable<T> {
    return this.pages<T>('/query', soql, false, options)
  }

  queryAll<T extends SObjectRecord = SObjectRecord>(
    soql: string,
    options: QueryOptions = {},
  ): AsyncIterable<T> {
    return this.pages<T>('/queryAll', soql, true, options)
  }

  count(soql: string): Promise<number> {
    return this.call('GET', '/query', () => this.org.query(soql).totalSize)
  }

  create(
    objectName: string,
    records: readonly SObjectRecord[],
    options: WriteOptions = {},
  ): Promise<SaveResult[]> {
    return this.chunked('POST', '/composite/sobjects', records, (chunk) =>
      this.org.create(objectName, chunk, this.write(options)),
    )
  }

  update(
    objectName: string,
    records: readonly SObjectRecord[],
    options: WriteOptions = {},
  ): Promise<SaveResult[]> {
    return this.chunked('PATCH', '/composite/sobjects', records, (chunk) =>
      this.org.update(objectName, chunk, this.write(options)),
    )
  }

  upsert(
    objectName: string,
    externalIdField: string,
    records: readonly SObjectRecord[],
    options: WriteOptions = {},
  ): Promise<SaveResult[]> {
    return this.chunked(
      'PATCH',
      `/composite/sobjects/${objectName}/${externalIdField}`,
      records,
      (chunk) => this.org.upsert(objectName, externalIdField, chunk, this.write(options)),
    )
  }

  delete(
    objectName: string,
    ids: readonly string[],
    options: WriteOptions = {},
  ): Promise<SaveResult[]> {
    return this.chunked('DELETE', '/composite/sobjects', ids, (chunk) =>
      this.org.delete(objectName, chunk, this.write(options)),
    )
  }

  getUpdated(objectName: string, start: Date, end: Date): Promise<UpdatedResult> {
    return this.call('GET', `/sobjects/${objectName}/updated`, () =>
      this.org.getUpdated(objectName, start, end),
    )
  }

  getDeleted(objectName: string, start: Date, end: Date): Promise<DeletedResult> {
    return this.call('GET', `/sobjects/${objectName}/deleted`, () =>
      this.org.getDeleted(objectName, start, end),
    )
  }

  async bulkIngest(request: BulkIngestRequest): Promise<BulkIngestResult> {
    const origin = this.origin.replace('/api/rest/', '/api/bulkapi/')
    await this.call('POST', '/jobs/ingest', () => undefined)
    await this.call('PUT', '/jobs/ingest/batches', () => undefined)
    await this.call('PATCH', '/jobs/ingest', () => undefined)
    const results: SaveResult[] = []
    for (let start = 0; start < request.records.length; start += 200) {
      const chunk = request.records.slice(start, start + 200)
      const options = { origin, allOrNone: false }
      switch (request.operation) {
        case 'insert':
          results.push(...this.org.create(request.object, chunk, options))
          break
        case 'update':
          results.push(...this.org.update(request.object, chunk, options))
          break
        case 'upsert':
          results.push(
            ...this.org.upsert(request.object, request.externalIdFieldName ?? '', chunk, options),
          )
          break
        case 'delete':
        case 'hardDelete':
          results.push(
            ...this.org.delete(
              request.object,
              chunk.map((r) => String(r.Id)),
              options,
            ),
          )
          if (request.operation === 'hardDelete')
            this.org.emptyRecycleBin(chunk.map((r) => String(r.Id)))
          break
      }
    }
    await this.call('GET', '/jobs/ingest/results', () => undefined)
    const failed = results.filter((r) => !r.success).length
    return {
      jobId: `750${String(this.org.api.used).padStart(15, '0')}`,
      results,
      numberRecordsProcessed: results.length,
      numberRecordsFailed: failed,
    }
  }

  bulkQuery<T extends SObjectRecord = SObjectRecord>(
    soql: string,
    options: QueryOptions & { readonly includeDeleted?: boolean } = {},
  ): AsyncIterable<readonly T[]> {
    const adapter = this
    return {
      async *[Symbol.asyncIterator]() {
        // The calls a client makes of a Bulk 2.0 query job, on the emulator's paths and each
        // counted by the org as over HTTP: create, a status poll (more while the job runs:
        // `org.faults.slowBulkQueries` as it was when the job was created, each poll after the
        // first announced through `beforeExtraCall`), one per result page (one even when there
        // are no results; pages of 50 000 records unless `pageSize` says otherwise).
        let polls = 0
        adapter.jobs += 1
        const job = `750${String(adapter.jobs).padStart(12, '0')}AAA`
        const result = await adapter.call('POST', '/jobs/query', () => {
          polls = adapter.org.faults.bulkQueryPollsInProgress
          return adapter.org.query(soql, { includeDeleted: options.includeDeleted })
        })
        for (let poll = 0; poll <= polls; poll += 1) {
          options.signal?.throwIfAborted()
          if (poll > 0) await options.beforeExtraCall?.()
          await adapter.call('GET', `/jobs/query/${job}`, () => undefined)
        }
        const size = options.pageSize ?? 50_000
        for (let start = 0; start === 0 || start < result.records.length; start += size) {
          options.signal?.throwIfAborted()
          await adapter.call('GET', `/jobs/query/${job}/results`, () => undefined)
          if (start >= result.records.length) break
          yield result.records
            .slice(start, start + size)
            .map((record) => withoutAttributes(record) as T)
        }
      },
    }
  }

  async subscribe(request: SubscribeRequest): Promise<StreamSubscription> {
    this.assertOpen()
    const subscription = await subscribeInMemory(this.org, request, () =>
      this.subscriptions.delete(subscription),
    )
    this.subscriptions.add(subscription)
    return subscription
  }

  /** A session of the org (`instanceUrl` `memory://<orgId>`): the emulator's Pub/Sub endpoint accepts it. */
  async streamingSession(
    options: { readonly refreshedSince?: number } = {},
  ): Promise<StreamingSession> {
    this.assertOpen()
    if (!this.org.sessions.isValid(this.token) || options.refreshedSince !== undefined) {
      if (!this.refreshable && !this.org.sessions.isValid(this.token))
        throw new SalesforceApiError('Session expired or invalid', {
          errorCode: 'INVALID_SESSION_ID',
          statusCode: 401,
          retryable: false,
        })
      if (!this.org.sessions.isValid(this.token)) this.token = this.org.sessions.issue()
    }
    return {
      accessToken: this.token,
      instanceUrl: `memory://${this.org.orgId}`,
      organizationId: this.org.orgId,
    }
  }

  limits(): Promise<OrgLimits> {
    return this.call('GET', '/limits', () => this.org.limits())
  }

  async close(): Promise<void> {
    this.closed = true
    await Promise.all([...this.subscriptions].map((s) => s.close()))
  }

  private write(options: WriteOptions) {
    return { allOrNone: options.allOrNone ?? false, origin: this.origin }
  }

  private async chunked<I>(
    method: string,
    path: string,
    items: readonly I[],
    send: (chunk: I[]) => SaveResult[],
  ): Promise<SaveResult[]> {
    const results: SaveResult[] = []
    for (let start = 0; start < items.length; start += 200) {
      const chunk = items.slice(start, start + 200)
      results.push(...(await this.call(method, path, () => send(chunk))))
    }
    return results
  }

  private pages<T>(
    path: string,
    soql: string,
    includeDeleted: boolean,
    options: QueryOptions,
  ): AsyncIterable<T> {
    const adapter = this
    const pageSize = options.pageSize ?? 2000
    const signal = options.signal
    return {
      async *[Symbol.asyncIterator]() {
        const result = await adapter.call('GET', path, () =>
          adapter.org.query(soql, { includeDeleted }),
        )
        options.onTotalSize?.(result.totalSize)
        for (let start = 0; start < result.records.length; start += pageSize) {
          signal?.throwIfAborted()
          if (start > 0) await adapter.call('GET', '/query/01g', () => undefined)
          for (const record of result.records.slice(start, start + pageSize)) yield record as T
        }
      },
    }
  }

  /** One REST call: session, faults, latency, API usage. */
  private async call<T>(method: string, path: string, run: () => T): Promise<T> {
    this.assertOpen()
    const fullPath = `/services/data/v${this.org.apiVersion}${path}`
    if (this.org.faults.latencyMs > 0)
      await new Promise((resolve) => setTimeout(resolve, this.org.faults.latencyMs))
    if (!this.org.sessions.isValid(this.token)) {
      if (!this.refreshable)
        throw new SalesforceApiError('Session expired or invalid', {
          errorCode: 'INVALID_SESSION_ID',
          statusCode: 401,
          retryable: false,
        })
      this.token = this.org.sessions.issue()
    }
    const fault = this.org.faults.takeRequestFault(method, fullPath)
    if (fault) throw faultError(fault.status, fault.body)
    this.org.api.charge()
    return run()
  }

  private assertOpen(): void {
    if (this.closed) throw new EngineStateError('The Salesforce adapter is closed')
  }
}

function faultError(status: number, body: unknown): SalesforceApiError {
  const first = Array.isArray(body)
    ? (body[0] as { errorCode?: string; message?: string } | undefined)
    : undefined
  return new SalesforceApiError(first?.message ?? `HTTP ${status}`, {
    errorCode: first?.errorCode ?? `ERROR_HTTP_${status}`,
    statusCode: status,
  })
}

function withoutAttributes(record: SObjectRecord): SObjectRecord {
  const { attributes: _, ...rest } = record
  for (const [key, value] of Object.entries(rest)) {
    if (value && typeof value === 'object' && 'attributes' in value)
      rest[key] = withoutAttributes(value as SObjectRecord)
  }
  return rest
}
