import { SalesforceApiError } from '../errors/salesforce-api-error.js'
import { continuesPage } from './page-slice.js'
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
} from './salesforce-adapter.js'
import type {
  ApiUsage,
  DeletedResult,
  DescribeGlobalResult,
  OrgLimits,
  SaveResult,
  SObjectDescribe,
  SObjectRecord,
  UpdatedResult,
} from './salesforce-types.js'

const chunks = (n: number) => Math.max(1, Math.ceil(n / 200))
/** Records per REST query page (Salesforce's default batch size). */
const QUERY_PAGE = 2000
/** One call more for each REST query page after the first (`nextRecordsUrl`). */
const nextQueryPage = (record: number) => (record > QUERY_PAGE && record % QUERY_PAGE === 1 ? 1 : 0)

/** Options of {@link MeteredSalesforceAdapter}. @internal */
export interface MeterOptions {
  /** Awaited before each call with its cost; throws to refuse it (the API budget is spent). */
  readonly take?: (calls: number) => Promise<void>
  /** When aborted, calls in flight reject at once with its reason, and no new call starts. */
  readonly abandon?: AbortSignal
}

/**
 * The engine's one seam to Salesforce (docs/concepts/architecture.md): every call the engine makes
 * for a mapping goes through one of these, so the API budget is true by construction. It counts
 * calls as Salesforce bills them — one per REST request: collections in calls of 200, query pages
 * of 2 000 records, a count, a describe, a Bulk 2.0 query as create, poll and one call per result
 * page, a Bulk 2.0 ingest job as its five calls — takes each from the budget before making it,
 * and gives up calls in flight when the engine's stop stops waiting (the abandoned request's own
 * outcome is ignored). Streaming is not billed as API calls and is not counted.
 * @internal
 */
export class MeteredSalesforceAdapter implements SalesforceAdapter {
  /** API calls made so far. */
  calls = 0
  private readonly inner: SalesforceAdapter
  private readonly gate: ((calls: number) => Promise<void>) | undefined
  private readonly abandon: AbortSignal | undefined

  constructor(inner: SalesforceAdapter, options: MeterOptions = {}) {
    this.inner = inner
    this.gate = options.take
    this.abandon = options.abandon
  }

  private async spend(calls: number): Promise<void> {
    this.abandon?.throwIfAborted()
    await this.gate?.(calls)
    this.calls += calls
  }

  /** `call` settled, or rejected as soon as `abandon` is aborted. */
  private async unlessAbandoned<T>(call: Promise<T>): Promise<T> {
    const abandoned = this.abandonment()
    if (!abandoned) return call
    try {
      return await abandoned.race(call)
    } finally {
      abandoned.dispose()
    }
  }

  /**
   * The items of `items` (records, or pages of them), spending `firstCost` calls before the
   * first and `costOf(n)` before the n-th (1-based) after it.
   */
  private async *paged<T>(
    items: () => AsyncIterable<T>,
    firstCost: number,
    costOf: (seen: number, item: T) => number,
  ): AsyncIterable<T> {
    await this.spend(firstCost)
    let seen = 0
    const iterator = items()[Symbol.asyncIterator]()
    // One listener for the whole iteration, not one per record. (Not `Promise.race` against one
    // long-lived promise: every race leaves a reaction on it, holding that record until the end.)
    const abandoned = this.abandonment()
    try {
      for (;;) {
        const pending = iterator.next()
        const next = abandoned ? await abandoned.race(pending) : await pending
        if (next.done) return
        seen += 1
        const cost = costOf(seen, next.value)
        if (cost > 0) await this.spend(cost)
        yield next.value
      }
    } finally {
      abandoned?.dispose()
      void iterator.return?.()?.catch(() => {})
    }
  }

  /**
   * `race(call)`: `call` settled, or rejected as soon as `abandon` is aborted (already, or while
   * it runs); one listener on `abandon` until disposed.
   */
  private abandonment(): { race<T>(call: Promise<T>): Promise<T>; dispose(): void } | undefined {
    const abandon = this.abandon
    if (!abandon) return undefined
    let reject: ((reason: unknown) => void) | undefined
    const onAbort = () => reject?.(abandon.reason)
    abandon.addEventListener('abort', onAbort, { once: true })
    return {
      race: <T>(call: Promise<T>) => {
        if (abandon.aborted) {
          call.catch(() => {}) // its outcome no longer matters to anyone
          return Promise.reject(abandon.reason)
        }
        return new Promise<T>((resolve, fail) => {
          reject = (reason) => {
            call.catch(() => {})
            fail(reason)
          }
          call.then(resolve, fail)
        })
      },
      dispose: () => abandon.removeEventListener('abort', onAbort),
    }
  }

  get apiUsage(): ApiUsage | undefined {
    return this.inner.apiUsage
  }
  async describeGlobal(): Promise<DescribeGlobalResult> {
    await this.spend(1)
    return this.unlessAbandoned(this.inner.describeGlobal())
  }
  async describe(objectName: string, options?: DescribeOptions): Promise<SObjectDescribe> {
    await this.spend(1)
    return this.unlessAbandoned(this.inner.describe(objectName, options))
  }
  query<T extends SObjectRecord = SObjectRecord>(
    soql: string,
    options?: QueryOptions,
  ): AsyncIterable<T> {
    return this.paged(() => this.inner.query<T>(soql, options), 1, nextQueryPage)
  }
  queryAll<T extends SObjectRecord = SObjectRecord>(
    soql: string,
    options?: QueryOptions,
  ): AsyncIterable<T> {
    return this.paged(() => this.inner.queryAll<T>(soql, options), 1, nextQueryPage)
  }
  async count(soql: string): Promise<number> {
    await this.spend(1)
    return this.unlessAbandoned(this.inner.count(soql))
  }
  async create(
    objectName: string,
    records: readonly SObjectRecord[],
    options?: WriteOptions,
  ): Promise<SaveResult[]> {
    await this.spend(chunks(records.length))
    return this.unlessAbandoned(this.inner.create(objectName, records, options))
  }
  async update(
    objectName: string,
    records: readonly SObjectRecord[],
    options?: WriteOptions,
  ): Promise<SaveResult[]> {
    await this.spend(chunks(records.length))
    return this.unlessAbandoned(this.inner.update(objectName, records, options))
  }
  async upsert(
    objectName: string,
    externalIdField: string,
    records: readonly SObjectRecord[],
    options?: WriteOptions,
  ): Promise<SaveResult[]> {
    await this.spend(chunks(records.length))
    return this.unlessAbandoned(this.inner.upsert(objectName, externalIdField, records, options))
  }
  async delete(
    objectName: string,
    ids: readonly string[],
    options?: WriteOptions,
  ): Promise<SaveResult[]> {
    await this.spend(chunks(ids.length))
    return this.unlessAbandoned(this.inner.delete(objectName, ids, options))
  }
  async getUpdated(objectName: string, start: Date, end: Date): Promise<UpdatedResult> {
    await this.spend(1)
    return this.unlessAbandoned(this.inner.getUpdated(objectName, start, end))
  }
  async getDeleted(objectName: string, start: Date, end: Date): Promise<DeletedResult> {
    await this.spend(1)
    return this.unlessAbandoned(this.inner.getDeleted(objectName, start, end))
  }
  async bulkIngest(request: BulkIngestRequest): Promise<BulkIngestResult> {
    await this.spend(5)
    return this.unlessAbandoned(this.inner.bulkIngest(request))
  }
  bulkQuery<T extends SObjectRecord = SObjectRecord>(
    soql: string,
    options?: QueryOptions & { readonly includeDeleted?: boolean },
  ): AsyncIterable<readonly T[]> {
    // Create, poll and the first result page; then one call per page after it (a slice that
    // continues a page is not one), and each further status poll before it is made.
    return this.paged(
      () =>
        this.inner.bulkQuery<T>(soql, {
          ...options,
          beforeExtraCall: async () => {
            await options?.beforeExtraCall?.()
            await this.spend(1)
          },
        }),
      3,
      (seen, slice) => (seen > 1 && !continuesPage(slice) ? 1 : 0),
    )
  }
  subscribe(request: SubscribeRequest): Promise<StreamSubscription> {
    return this.inner.subscribe(request)
  }

  /** The inner adapter's session (not an API call); rejects when the adapter has none to give. */
  async streamingSession(options?: {
    readonly refreshedSince?: number
  }): Promise<StreamingSession> {
    if (!this.inner.streamingSession)
      throw new SalesforceApiError(
        'This Salesforce adapter does not expose its session (streamingSession), which the Pub/Sub API needs: use the JsforceAdapter, or SalesforceStreamingSource',
        { errorCode: 'UNSUPPORTED_ADAPTER', retryable: false },
      )
    return this.inner.streamingSession(options)
  }
  async limits(): Promise<OrgLimits> {
    await this.spend(1)
    return this.unlessAbandoned(this.inner.limits())
  }
  close(): Promise<void> {
    return this.inner.close()
  }
}
