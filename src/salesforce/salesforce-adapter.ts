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

/** Options of `query()`, `queryAll()` and `bulkQuery()`. */
export interface QueryOptions {
  /** Records per page asked of Salesforce (REST: 200–2000; Bulk 2.0: `maxRecords`). */
  readonly pageSize?: number
  /** Stops paging when aborted; the iterator then throws the signal's reason. */
  readonly signal?: AbortSignal
  /**
   * REST queries: called once with the first answer's `totalSize` (how many records the whole
   * query returns), before its first record is yielded. A pull uses it to choose between REST and
   * Bulk 2.0 without a separate `COUNT()` call; an adapter that does not call it costs that call.
   */
  readonly onTotalSize?: (totalSize: number) => void
  /**
   * Bulk 2.0 queries: awaited before each status poll after the first, made while Salesforce
   * still runs the job. The meter charges a query three calls up front (create, one poll, the
   * first result page) and one per further page; each further poll it counts here, and may refuse
   * (the daily budget) before it is made.
   */
  readonly beforeExtraCall?: () => Promise<void>
}

/** Options of `describe()`. */
export interface DescribeOptions {
  /**
   * Ask Salesforce again instead of answering from a cache: adapters may keep describes (fields
   * change rarely); the engine refreshes them to follow changes made in Setup.
   */
  readonly refresh?: boolean
}

/** Options of the collection writes. */
export interface WriteOptions {
  /** Roll back every record of a 200-record call when one fails. Default `false`. */
  readonly allOrNone?: boolean
  readonly signal?: AbortSignal
}

/** Bulk 2.0 ingest operations. */
export type BulkIngestOperation = 'insert' | 'update' | 'upsert' | 'delete' | 'hardDelete'

/** A Bulk 2.0 ingest job to run to completion. */
export interface BulkIngestRequest {
  readonly object: string
  readonly operation: BulkIngestOperation
  /** Required for `upsert`. */
  readonly externalIdFieldName?: string
  /**
   * The records. Every record is written with the union of all records' keys as CSV columns;
   * `null` sets a field to null. `update`/`delete` need `Id`; `upsert` needs the external id.
   */
  readonly records: readonly SObjectRecord[]
  /** How often to poll the job. Default 1000 ms (the emulator completes at once). */
  readonly pollIntervalMs?: number
  /** Give up waiting after this long. Default 10 minutes. */
  readonly timeoutMs?: number
  readonly signal?: AbortSignal
}

/** The per-record outcome of a Bulk 2.0 ingest job, in the order of the request's records. */
export interface BulkIngestResult {
  readonly jobId: string
  /** `results[i]` is the outcome of `records[i]`. */
  readonly results: readonly SaveResult[]
  readonly numberRecordsProcessed: number
  readonly numberRecordsFailed: number
}

/** A message received on a streaming channel. */
export interface StreamingMessage {
  /** The channel, e.g. `/topic/AccountSync` or `/data/AccountChangeEvent`. */
  readonly channel: string
  /** Replay id of the event; store it to resume after it. */
  readonly replayId: number
  /**
   * The event's `data` as Salesforce sends it: for PushTopic `{event, sobject}`, for Change Data
   * Capture `{schema, payload: {ChangeEventHeader, ...fields}, event}`.
   */
  readonly data: Readonly<Record<string, unknown>>
}

/** What to subscribe to and how to be told. */
export interface SubscribeRequest {
  /** `/topic/<PushTopicName>` or `/data/<Object>ChangeEvent` (or `/data/ChangeEvents`). */
  readonly channel: string
  /**
   * Where to start: a stored replay id (events after it), `-1` (new events only, the default) or
   * `-2` (every retained event).
   */
  readonly replayId?: number
  /** Called for every event, in order. */
  readonly onMessage: (message: StreamingMessage) => void
  /**
   * Called when the subscription is (re)established: after the first subscribe and after every
   * reconnect. A consumer runs its catch-up poll here, since events may have been missed.
   */
  readonly onConnect?: () => void
  /** Called when the connection dropped and the adapter is reconnecting. */
  readonly onReconnecting?: (reason: Error) => void
  /**
   * Called for errors the adapter cannot cure by reconnecting, e.g. an invalid or expired replay id
   * (`errorCode` `INVALID_REPLAY_ID`) or an unknown channel (`errorCode` `NOT_FOUND`). The
   * subscription is closed after this call; the consumer decides what to do (resubscribe from -2
   * and poll, typically).
   */
  readonly onError?: (error: Error) => void
}

/** A live streaming subscription. */
export interface StreamSubscription {
  /** The channel subscribed to. */
  readonly channel: string
  /** Replay id of the last event delivered, or the starting replay id. */
  readonly lastReplayId: number
  /** Unsubscribes and releases the connection. Idempotent. */
  close(): Promise<void>
}

/** The session an adapter holds, as the Pub/Sub API takes it (gRPC metadata). */
export interface StreamingSession {
  readonly accessToken: string
  /** e.g. `https://mydomain.my.salesforce.com`. */
  readonly instanceUrl: string
  /** The org's 18-character id (Pub/Sub's `tenantid`). */
  readonly organizationId: string
}

/**
 * The engine's only door to Salesforce (docs/concepts/design.md §2). {@link JsforceAdapter} implements it over
 * jsforce and HTTP; `InMemorySalesforceAdapter` (from `pgforce/testing`) over an in-memory org.
 *
 * Every method rejects with a `SalesforceApiError` (with `errorCode`, `statusCode` and `retryable`)
 * when Salesforce answers an error for the whole request; record-level failures of writes are
 * returned in the {@link SaveResult}s instead, one per record, in request order.
 */
export interface SalesforceAdapter {
  /** Every object of the org. */
  describeGlobal(): Promise<DescribeGlobalResult>
  /**
   * One object's fields and relationships. Rejects with `NOT_FOUND` for an unknown object. With
   * `refresh`, never from a cache (and a cache the adapter keeps gets the fresh describe).
   */
  describe(objectName: string, options?: DescribeOptions): Promise<SObjectDescribe>
  /** Runs a SOQL query and yields every record, following pages to the end (no 10 000 cap). */
  query<T extends SObjectRecord = SObjectRecord>(
    soql: string,
    options?: QueryOptions,
  ): AsyncIterable<T>
  /** As {@link query}, but also sees deleted (recycle bin) records, like REST `queryAll`. */
  queryAll<T extends SObjectRecord = SObjectRecord>(
    soql: string,
    options?: QueryOptions,
  ): AsyncIterable<T>
  /** `totalSize` of a query, e.g. `SELECT COUNT() FROM Account WHERE …`: one API call. */
  count(soql: string): Promise<number>
  /** Creates records, ≤ 200 per call; one result per record, in order. */
  create(
    objectName: string,
    records: readonly SObjectRecord[],
    options?: WriteOptions,
  ): Promise<SaveResult[]>
  /** Updates records by `Id`, ≤ 200 per call. */
  update(
    objectName: string,
    records: readonly SObjectRecord[],
    options?: WriteOptions,
  ): Promise<SaveResult[]>
  /** Inserts or updates records matched on an external id field, ≤ 200 per call. */
  upsert(
    objectName: string,
    externalIdField: string,
    records: readonly SObjectRecord[],
    options?: WriteOptions,
  ): Promise<SaveResult[]>
  /** Deletes records by id (to the recycle bin), ≤ 200 per call. */
  delete(objectName: string, ids: readonly string[], options?: WriteOptions): Promise<SaveResult[]>
  /** Ids of records changed in `[start, end]` (minute precision, last 30 days). */
  getUpdated(objectName: string, start: Date, end: Date): Promise<UpdatedResult>
  /** Records deleted in `[start, end]`, including those since purged from the recycle bin. */
  getDeleted(objectName: string, start: Date, end: Date): Promise<DeletedResult>
  /** Runs a Bulk 2.0 ingest job to the end and maps every result back to its record. */
  bulkIngest(request: BulkIngestRequest): Promise<BulkIngestResult>
  /**
   * Runs a Bulk 2.0 query job and yields its records a result page at a time (`pageSize` records
   * per page at most; an empty job yields nothing), paging the results itself. An adapter may hand
   * a page over in slices (the jsforce adapter converts and yields 1 000 records at a time, so a
   * page's records are not all alive at once); no array spans two pages, and every slice after a
   * page's first is marked with `continuingPage()`, so the API meter counts one call per page.
   * Values have the same types as {@link query} gives (numbers, booleans, `null`), converted
   * from CSV with the object's describe; relationship columns such as `Owner.Name` become nested
   * objects. Pages, not records: a load of a million records makes a few hundred steps, not a
   * million (docs/concepts/performance.md, "Memory").
   */
  bulkQuery<T extends SObjectRecord = SObjectRecord>(
    soql: string,
    options?: QueryOptions & { readonly includeDeleted?: boolean },
  ): AsyncIterable<readonly T[]>
  /** Subscribes to a PushTopic or Change Data Capture channel; resolves once subscribed. */
  subscribe(request: SubscribeRequest): Promise<StreamSubscription>
  /**
   * The current session, for APIs the adapter does not wrap (the Pub/Sub API). With
   * `refreshedSince`, a session newer than that time (ms since epoch) is obtained first where the
   * auth allows it (a refused token); rejects with `INVALID_SESSION_ID` when it cannot. Optional:
   * an adapter without it cannot stream over the Pub/Sub API.
   */
  streamingSession?(options?: { readonly refreshedSince?: number }): Promise<StreamingSession>
  /** The org's limits (`/limits`). */
  limits(): Promise<OrgLimits>
  /** API usage from the last response's `Sforce-Limit-Info` header, if any response carried it. */
  readonly apiUsage: ApiUsage | undefined
  /** Releases connections and subscriptions. The adapter is unusable afterwards. */
  close(): Promise<void>
}
