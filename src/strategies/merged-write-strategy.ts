import { BaseWriteStrategy } from './base-write-strategy.js'
import { type FoldedChange, foldRecordChanges } from './fold-record-changes.js'
import { insertOperations } from './insert-operations.js'
import type { WriteOperation } from './send-operation.js'
import type { ChangeEntry, EntryResult, WriteContext } from './write-strategy.js'

/**
 * Heroku Connect's "merged writes": all pending changes of a record collapse into one operation
 * (see `foldRecordChanges`), and operations are packed 200 to a call, inserts first, then updates,
 * then deletes. The fewest API calls for bursts of edits; Apex triggers and flows see only the
 * final state, not every intermediate one.
 *
 * The newest entry of a record carries the operation; the others are marked MERGED when it
 * succeeds. When it fails, every entry of the record is marked FAILED (so `retryFailed()` requeues
 * the whole history), and when it is deferred they all stay NEW.
 */
export class MergedWriteStrategy extends BaseWriteStrategy {
  readonly name: string = 'merged'
  /** Claim everything pending at once: a record's history folds only within one claim. */
  readonly claimSize: number = 100_000

  async write(entries: readonly ChangeEntry[], context: WriteContext): Promise<EntryResult[]> {
    const byRecord = new Map<number, ChangeEntry[]>()
    for (const entry of entries) {
      const list = byRecord.get(entry.recordId)
      if (list) list.push(entry)
      else byRecord.set(entry.recordId, [entry])
    }
    const results: EntryResult[] = []
    const inserts: FoldedChange[] = []
    const updates: FoldedChange[] = []
    const deletes: FoldedChange[] = []
    for (const list of byRecord.values()) {
      const folded = foldRecordChanges(list)
      const sfid = list.findLast((e) => e.sfid)?.sfid
      if (folded.action === 'NONE') {
        for (const e of list) results.push({ entryId: e.id, outcome: 'ignored' })
      } else if (folded.action === 'INSERT') {
        inserts.push(folded)
      } else if (!sfid) {
        // An update or delete of a record whose insert has not reached Salesforce: an update
        // waits for it; a delete of a record that never got there is nothing to do.
        const outcome = folded.action === 'DELETE' ? 'ignored' : 'deferred'
        for (const e of list) results.push({ entryId: e.id, outcome })
      } else {
        ;(folded.action === 'UPDATE' ? updates : deletes).push(folded)
      }
    }
    for (const operation of this.operations(inserts, updates, deletes, context)) {
      results.push(...(await this.send(operation, context)))
    }
    return this.complete(entries, results, 'deferred')
  }

  private operations(
    inserts: readonly FoldedChange[],
    updates: readonly FoldedChange[],
    deletes: readonly FoldedChange[],
    context: WriteContext,
  ): WriteOperation[] {
    const sfid = (f: FoldedChange) => f.entries.findLast((e) => e.sfid)?.sfid as string
    const operations: WriteOperation[] = insertOperations(
      inserts.map((f) => ({ entry: carrier(f), values: f.values, followers: folded(f) })),
      context,
    )
    if (updates.length > 0) {
      operations.push({
        kind: 'update',
        entries: updates.map(carrier),
        followers: updates.map(folded),
        records: updates.map((f) => ({ ...context.toRecord(f.values, 'UPDATE'), Id: sfid(f) })),
      })
    }
    if (deletes.length > 0) {
      operations.push({
        kind: 'delete',
        entries: deletes.map(carrier),
        followers: deletes.map(folded),
        records: deletes.map((f) => ({ Id: sfid(f) })),
      })
    }
    return operations
  }
}

/** The newest entry of a record carries its folded operation. */
function carrier(folded: FoldedChange): ChangeEntry {
  return folded.entries.at(-1) as ChangeEntry
}

/** The other entries of a record, which share its carrier's outcome (success → MERGED). */
function folded(change: FoldedChange): readonly ChangeEntry[] {
  return change.entries.slice(0, -1)
}
