import { BaseWriteStrategy } from './base-write-strategy.js'
import { type FoldedChange, foldRecordChanges } from './fold-record-changes.js'
import { insertOperations } from './insert-operations.js'
import { externalIdKey } from './ordered-write-strategy.js'
import type { WriteOperation } from './send-operation.js'
import type { ChangeEntry, EntryResult, WriteContext } from './write-strategy.js'

/**
 * Heroku Connect's "merged writes": all pending changes of a record collapse into one operation
 * (see `foldRecordChanges`), and operations are packed 200 to a call, deletes first, then updates,
 * then inserts (a delete may free an external id value or a unique value an insert then takes). The fewest API calls for bursts of edits; Apex triggers and flows see only the
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
    // A row's history up to a delete is one record, and what follows (the app inserting a row
    // with the same id again) another: the delete is sent, not folded into the insert.
    const byRecord = new Map<string, ChangeEntry[]>()
    const generation = new Map<number, number>()
    for (const entry of entries) {
      const key = `${entry.recordId}:${generation.get(entry.recordId) ?? 0}`
      const list = byRecord.get(key)
      if (list) list.push(entry)
      else byRecord.set(key, [entry])
      if (entry.action === 'DELETE')
        generation.set(entry.recordId, (generation.get(entry.recordId) ?? 0) + 1)
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
    // Deletes go first, then updates, then inserts: a row deleted and another inserted with its
    // external id value in one batch stand for one record, deleted and then created again (the
    // other order upserted onto the record and then deleted it). A delete that did not go
    // through holds back the inserts that carry an external id value: one may name its record.
    const deleted = await this.sendAll(this.deletes(deletes), context)
    results.push(...deleted)
    results.push(...(await this.sendAll(this.updates(updates, context), context)))
    const deleteWaits = deleted.some((r) => r.outcome === 'failed' || r.outcome === 'deferred')
    const key = externalIdKey(context)
    const keyed = (f: FoldedChange) =>
      key({ ...carrier(f), action: 'INSERT', values: f.values }) !== undefined
    const waiting = new Set(deleteWaits ? inserts.filter(keyed) : [])
    for (const f of waiting)
      for (const e of f.entries) results.push({ entryId: e.id, outcome: 'deferred' })
    const going = inserts.filter((f) => !waiting.has(f))
    const operations = insertOperations(
      going.map((f) => ({ entry: carrier(f), values: f.values, followers: folded(f) })),
      context,
    )
    results.push(...(await this.sendAll(operations, context)))
    return this.complete(entries, results, 'deferred')
  }

  private async sendAll(
    operations: readonly WriteOperation[],
    context: WriteContext,
  ): Promise<EntryResult[]> {
    const results: EntryResult[] = []
    for (const operation of operations) results.push(...(await this.send(operation, context)))
    return results
  }

  private updates(updates: readonly FoldedChange[], context: WriteContext): WriteOperation[] {
    if (updates.length === 0) return []
    return [
      {
        kind: 'update',
        entries: updates.map(carrier),
        followers: updates.map(folded),
        records: updates.map((f) => ({ ...context.toRecord(f.values, 'UPDATE'), Id: sfidOf(f) })),
      },
    ]
  }

  private deletes(deletes: readonly FoldedChange[]): WriteOperation[] {
    if (deletes.length === 0) return []
    return [
      {
        kind: 'delete',
        entries: deletes.map(carrier),
        followers: deletes.map(folded),
        records: deletes.map((f) => ({ Id: sfidOf(f) })),
      },
    ]
  }
}

/** The record's sfid, from its newest entry that has one. */
function sfidOf(change: FoldedChange): string {
  return change.entries.findLast((e) => e.sfid)?.sfid as string
}

/** The newest entry of a record carries its folded operation. */
function carrier(folded: FoldedChange): ChangeEntry {
  return folded.entries.at(-1) as ChangeEntry
}

/** The other entries of a record, which share its carrier's outcome (success → MERGED). */
function folded(change: FoldedChange): readonly ChangeEntry[] {
  return change.entries.slice(0, -1)
}
