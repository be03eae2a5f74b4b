import type {
  BulkIngestRequest,
  BulkIngestResult,
  QueryOptions,
  SalesforceAdapter,
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

/**
 * Wraps an adapter and counts the write calls made through it (collections in calls of 200,
 * a Bulk 2.0 ingest job as its create/upload/close/results calls), for push reports.
 * @internal
 */
export class CountingSalesforceAdapter implements SalesforceAdapter {
  /** Write calls made so far. */
  calls = 0
  private readonly inner: SalesforceAdapter

  constructor(inner: SalesforceAdapter) {
    this.inner = inner
  }

  get apiUsage(): ApiUsage | undefined {
    return this.inner.apiUsage
  }
  describeGlobal(): Promise<DescribeGlobalResult> {
    return this.inner.describeGlobal()
  }
  describe(objectName: string): Promise<SObjectDescribe> {
    return this.inner.describe(objectName)
  }
  query<T extends SObjectRecord = SObjectRecord>(
    soql: string,
    options?: QueryOptions,
  ): AsyncIterable<T> {
    return this.inner.query<T>(soql, options)
  }
  queryAll<T extends SObjectRecord = SObjectRecord>(
    soql: string,
    options?: QueryOptions,
  ): AsyncIterable<T> {
    return this.inner.queryAll<T>(soql, options)
  }
  count(soql: string): Promise<number> {
    return this.inner.count(soql)
  }
  create(
    objectName: string,
    records: readonly SObjectRecord[],
    options?: WriteOptions,
  ): Promise<SaveResult[]> {
    this.calls += chunks(records.length)
    return this.inner.create(objectName, records, options)
  }
  update(
    objectName: string,
    records: readonly SObjectRecord[],
    options?: WriteOptions,
  ): Promise<SaveResult[]> {
    this.calls += chunks(records.length)
    return this.inner.update(objectName, records, options)
  }
  upsert(
    objectName: string,
    externalIdField: string,
    records: readonly SObjectRecord[],
    options?: WriteOptions,
  ): Promise<SaveResult[]> {
    this.calls += chunks(records.length)
    return this.inner.upsert(objectName, externalIdField, records, options)
  }
  delete(
    objectName: string,
    ids: readonly string[],
    options?: WriteOptions,
  ): Promise<SaveResult[]> {
    this.calls += chunks(ids.length)
    return this.inner.delete(objectName, ids, options)
  }
  getUpdated(objectName: string, start: Date, end: Date): Promise<UpdatedResult> {
    return this.inner.getUpdated(objectName, start, end)
  }
  getDeleted(objectName: string, start: Date, end: Date): Promise<DeletedResult> {
    return this.inner.getDeleted(objectName, start, end)
  }
  bulkIngest(request: BulkIngestRequest): Promise<BulkIngestResult> {
    this.calls += 5
    return this.inner.bulkIngest(request)
  }
  bulkQuery<T extends SObjectRecord = SObjectRecord>(
    soql: string,
    options?: QueryOptions & { readonly includeDeleted?: boolean },
  ): AsyncIterable<T> {
    return this.inner.bulkQuery<T>(soql, options)
  }
  subscribe(request: SubscribeRequest): Promise<StreamSubscription> {
    return this.inner.subscribe(request)
  }
  limits(): Promise<OrgLimits> {
    return this.inner.limits()
  }
  close(): Promise<void> {
    return this.inner.close()
  }
}
