import { RetryPolicy } from '../errors/retry-policy.js'
import type { SaveResult, SObjectRecord } from '../salesforce/salesforce-types.js'
import type { ChangeEntry, EntryResult, WriteContext } from './write-strategy.js'

/** One Salesforce call's worth of work: an operation and the entries behind each record. */
export interface WriteOperation {
  readonly kind: 'create' | 'update' | 'upsert' | 'delete'
  /** `records[i]` is sent for `entries[i]`; for `delete`, records need only `Id`. */
  readonly entries: readonly ChangeEntry[]
  readonly records: readonly SObjectRecord[]
  /** Required for `upsert`. */
  readonly externalIdField?: string
}

/** Largest sObject Collections call. */
export const COLLECTION_LIMIT = 200

const recordRetry = new RetryPolicy()

/**
 * Sends an operation in calls of at most 200 records and turns each `SaveResult` into the
 * {@link EntryResult} of its entry: success with the record's Id; a record-level rejection as
 * `failed`; a retryable record error (e.g. `UNABLE_TO_LOCK_ROW`) as `deferred`, so the entry stays
 * NEW. A whole-call error (503, limits, session) is thrown for the engine to retry.
 */
export async function sendOperation(
  operation: WriteOperation,
  context: WriteContext,
): Promise<EntryResult[]> {
  const results: EntryResult[] = []
  const { salesforce, mapping } = context
  for (let start = 0; start < operation.records.length; start += COLLECTION_LIMIT) {
    context.signal.throwIfAborted()
    const records = operation.records.slice(start, start + COLLECTION_LIMIT)
    const entries = operation.entries.slice(start, start + COLLECTION_LIMIT)
    let saved: SaveResult[]
    switch (operation.kind) {
      case 'create':
        saved = await salesforce.create(mapping.object, records)
        break
      case 'update':
        saved = await salesforce.update(mapping.object, records)
        break
      case 'upsert':
        saved = await salesforce.upsert(mapping.object, operation.externalIdField ?? '', records)
        break
      case 'delete':
        saved = await salesforce.delete(
          mapping.object,
          records.map((r) => String(r.Id)),
        )
        break
    }
    for (const [i, entry] of entries.entries()) results.push(toEntryResult(entry, saved[i]))
  }
  return results
}

/** The entry result for one save result (a missing result counts as a retryable miss). */
export function toEntryResult(entry: ChangeEntry, saved: SaveResult | undefined): EntryResult {
  if (!saved) {
    return {
      entryId: entry.id,
      outcome: 'deferred',
      error: {
        statusCode: 'NO_RESULT',
        message: 'Salesforce returned no result for this record',
        fields: [],
      },
    }
  }
  if (saved.success)
    return { entryId: entry.id, outcome: 'success', sfid: saved.id ?? entry.sfid ?? undefined }
  const error = saved.errors[0] ?? {
    statusCode: 'UNKNOWN_EXCEPTION',
    message: 'Salesforce rejected the record',
    fields: [],
  }
  const retryable = recordRetry.isRetryable({ errorCode: error.statusCode })
  return { entryId: entry.id, outcome: retryable ? 'deferred' : 'failed', error }
}
