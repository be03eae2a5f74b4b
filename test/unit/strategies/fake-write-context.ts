import type { Mapping } from '../../../src/mappings/mapping.js'
import type {
  BulkIngestRequest,
  SalesforceAdapter,
} from '../../../src/salesforce/salesforce-adapter.js'
import type { SaveResult, SObjectRecord } from '../../../src/salesforce/salesforce-types.js'
import type {
  ChangeAction,
  ChangeEntry,
  EntryResult,
  WriteContext,
} from '../../../src/strategies/write-strategy.js'

/** A call a strategy made, for assertions. */
export interface Call {
  readonly kind: string
  readonly records: readonly SObjectRecord[]
}

/**
 * A write context over a fake adapter: every record succeeds with a generated Id unless its Name
 * is 'BAD' (REQUIRED_FIELD_MISSING) or 'LOCKED' (UNABLE_TO_LOCK_ROW), or its Id is 'GONE' (a
 * record already deleted: ENTITY_IS_DELETED).
 */
export function fakeContext(options: { externalId?: string; bulkFails?: boolean } = {}) {
  const calls: Call[] = []
  let next = 1
  const save = (record: SObjectRecord): SaveResult => {
    if (record.Name === 'BAD')
      return {
        success: false,
        errors: [
          {
            statusCode: 'REQUIRED_FIELD_MISSING',
            message: 'Required fields are missing: [Name]',
            fields: ['Name'],
          },
        ],
      }
    if (record.Id === 'GONE')
      return {
        success: false,
        errors: [{ statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [] }],
      }
    if (record.Name === 'LOCKED')
      return {
        success: false,
        errors: [
          {
            statusCode: 'UNABLE_TO_LOCK_ROW',
            message: 'unable to obtain exclusive access',
            fields: [],
          },
        ],
      }
    return {
      success: true,
      id: (record.Id as string | undefined) ?? `001${String(next++).padStart(15, '0')}`,
      errors: [],
    }
  }
  const collection =
    (kind: string) =>
    async (_object: string, ...args: unknown[]) => {
      const records = (Array.isArray(args[0]) ? args[0] : args[1]) as SObjectRecord[] | string[]
      const asRecords = records.map((r) => (typeof r === 'string' ? { Id: r } : r))
      if (asRecords.length > 200) throw new Error('EXCEEDED_ID_LIMIT')
      calls.push({ kind, records: asRecords })
      return asRecords.map(save)
    }
  const salesforce = {
    create: collection('create'),
    update: collection('update'),
    upsert: collection('upsert'),
    delete: collection('delete'),
    bulkIngest: async (request: BulkIngestRequest) => {
      calls.push({ kind: `bulk:${request.operation}`, records: request.records })
      if (options.bulkFails)
        throw Object.assign(new Error('job failed'), { errorCode: 'BULK_FAILED' })
      return {
        jobId: '750',
        results: request.records.map(save),
        numberRecordsProcessed: request.records.length,
        numberRecordsFailed: 0,
      }
    },
  } as Partial<SalesforceAdapter> as SalesforceAdapter
  /** Results the strategy committed through `context.commit`, call by call. */
  const commits: EntryResult[][] = []
  const context: WriteContext = {
    mapping: { object: 'Account' } as Mapping,
    externalIdField: options.externalId,
    salesforce,
    toRecord: (values: Readonly<Record<string, string | null>>, _action: ChangeAction) => {
      const record: SObjectRecord = {}
      for (const [k, v] of Object.entries(values))
        record[k === 'name' ? 'Name' : k === 'ext' ? 'Ext__c' : k] = v
      return record
    },
    commit: async (results) => {
      commits.push([...results])
    },
    isRetryable: (error) => error.statusCode === 'UNABLE_TO_LOCK_ROW',
    signal: new AbortController().signal,
  }
  return { context, calls, commits }
}

/** Builds entries: `entry(1, 'INSERT', 10, { name: 'A' })`. */
export function entry(
  id: number,
  action: ChangeAction,
  recordId: number,
  values: Record<string, string | null> = {},
  sfid: string | null = null,
): ChangeEntry {
  return { id, action, recordId, values, sfid }
}
