import { isRetryable } from '../errors/retry-policy.js'
import type { RecordError, SaveResult, SObjectRecord } from '../salesforce/salesforce-types.js'
import type { ChangeEntry, EntryResult, WriteContext } from './write-strategy.js'

/** One Salesforce call's worth of work: an operation and the entries behind each record. */
export interface WriteOperation {
  readonly kind: 'create' | 'update' | 'upsert' | 'delete'
  /** `records[i]` is sent for `entries[i]`; for `delete`, records need only `Id`. */
  readonly entries: readonly ChangeEntry[]
  readonly records: readonly SObjectRecord[]
  /** Required for `upsert`. */
  readonly externalIdField?: string
  /**
   * Entries folded into `entries[i]`'s operation (merged writes): they share its outcome, `merged`
   * when it succeeds, and are committed with it.
   */
  readonly followers?: readonly (readonly ChangeEntry[])[]
}

/** Largest sObject Collections call. */
export const COLLECTION_LIMIT = 200

/**
 * Sends an operation in calls of at most 200 records and turns each `SaveResult` into the
 * {@link EntryResult} of its entry: success with the record's Id; a record-level rejection as
 * `failed`; a retryable record error (e.g. `UNABLE_TO_LOCK_ROW`, or a code the engine's
 * `retryPolicy` lists) as `deferred`, so the entry stays NEW. Each call's outcomes are handed to
 * `context.commit` as it answers (the commit runs while the next call is made; a call that creates
 * records waits for it), and no call starts once the engine is stopping (`context.signal`). A whole-call error (503, limits, session) is thrown for the engine to retry.
 */
export async function sendOperation(
  operation: WriteOperation,
  context: WriteContext,
): Promise<EntryResult[]> {
  const results: EntryResult[] = []
  const { salesforce, mapping } = context
  const retryable = (error: RecordError) => context.isRetryable(error)
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
    const call: EntryResult[] = []
    for (const [i, entry] of entries.entries()) {
      const result = toEntryResult(entry, saved[i], retryable)
      call.push(result)
      for (const follower of operation.followers?.[start + i] ?? []) {
        const outcome = result.outcome === 'success' ? 'merged' : result.outcome
        call.push({ entryId: follower.id, outcome, error: result.error })
      }
    }
    await context.commit(call)
    results.push(...call)
  }
  return results
}

/**
 * The entry result for one save result (a missing result counts as a retryable miss). Record
 * errors are `deferred` when `retryable` says so (by default, the default retry table's view).
 */
export function toEntryResult(
  entry: ChangeEntry,
  saved: SaveResult | undefined,
  retryable: (error: RecordError) => boolean = (error) =>
    isRetryable({ errorCode: error.statusCode }),
): EntryResult {
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
  // A delete that finds the record already deleted (sent again after a crash, or deleted in
  // Salesforce meanwhile): what it asked for holds.
  const gone = entry.action === 'DELETE' && saved.errors[0]?.statusCode === 'ENTITY_IS_DELETED'
  if (saved.success || gone)
    return { entryId: entry.id, outcome: 'success', sfid: saved.id ?? entry.sfid ?? undefined }
  const error = saved.errors[0] ?? {
    statusCode: 'UNKNOWN_EXCEPTION',
    message: 'Salesforce rejected the record',
    fields: [],
  }
  return { entryId: entry.id, outcome: retryable(error) ? 'deferred' : 'failed', error }
}
