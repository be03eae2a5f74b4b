import { BaseWriteStrategy } from './base-write-strategy.js'
import { insertOperations } from './insert-operations.js'
import type { WriteOperation } from './send-operation.js'
import { COLLECTION_LIMIT } from './send-operation.js'
import type { ChangeAction, ChangeEntry, EntryResult, WriteContext } from './write-strategy.js'

/**
 * Heroku Connect's "ordered writes", without its worst failure mode
 * (docs/guides/write-strategies.md): entries are applied in `_trigger_log` order; consecutive
 * entries of one action go in one sObject Collections call (≤ 200, a record at most once per
 * call); an INSERT becomes an upsert on the mapping's external id when the row has one, so a retry
 * never duplicates a record. A change Salesforce rejects holds back the later entries of that
 * record only (they stay NEW until it is retried or ignored), not the rest of the queue. The
 * default strategy.
 */
export class OrderedWriteStrategy extends BaseWriteStrategy {
  readonly name: string = 'ordered'
  /** Longest run of one action handed to {@link sendRun}; a run also ends at a record's second entry. */
  protected readonly maxRunLength: number = COLLECTION_LIMIT

  async write(entries: readonly ChangeEntry[], context: WriteContext): Promise<EntryResult[]> {
    const results = new Map<number, EntryResult>()
    // What earlier runs of this batch learned: the sfids of records they inserted, and the
    // records whose change did not go through (their later entries wait).
    const sfids = new Map<number, string>()
    const blocked = new Set<number>()
    for (const entry of entries) if (entry.sfid) sfids.set(entry.recordId, entry.sfid)
    let i = 0
    while (i < entries.length) {
      const run = nextRun(entries, i, this.maxRunLength)
      i += run.length
      const action = (run[0] as ChangeEntry).action
      const byId = new Map(run.map((e) => [e.id, e]))
      for (const result of await this.writeRun(action, run, context, sfids, blocked)) {
        results.set(result.entryId, result)
        const entry = byId.get(result.entryId)
        if (!entry) continue
        if (result.outcome === 'success' && result.sfid && action !== 'DELETE')
          sfids.set(entry.recordId, result.sfid)
        // A change that did not go through keeps the record's later changes back (its order).
        if (result.outcome === 'failed' || result.outcome === 'deferred')
          blocked.add(entry.recordId)
      }
    }
    return this.complete(entries, [...results.values()], 'deferred')
  }

  /**
   * Sends one run of entries of `action` that are ready to go (every UPDATE and DELETE has its
   * record's sfid in `sfids`). Subclasses may send large runs another way (Bulk 2.0).
   */
  protected async sendRun(
    action: ChangeAction,
    entries: readonly ChangeEntry[],
    context: WriteContext,
    sfids: ReadonlyMap<number, string>,
  ): Promise<EntryResult[]> {
    const results: EntryResult[] = []
    for (const operation of this.operations(action, entries, context, sfids))
      results.push(...(await this.send(operation, context)))
    return results
  }

  private async writeRun(
    action: ChangeAction,
    run: readonly ChangeEntry[],
    context: WriteContext,
    sfids: ReadonlyMap<number, string>,
    blocked: ReadonlySet<number>,
  ): Promise<EntryResult[]> {
    const results: EntryResult[] = []
    const ready: ChangeEntry[] = []
    for (const entry of run) {
      const sfid = sfids.get(entry.recordId)
      if (blocked.has(entry.recordId)) results.push({ entryId: entry.id, outcome: 'deferred' })
      else if (action === 'DELETE' && !sfid) results.push({ entryId: entry.id, outcome: 'ignored' })
      else if (action === 'UPDATE' && !sfid)
        results.push({ entryId: entry.id, outcome: 'deferred' })
      else ready.push(entry)
    }
    if (ready.length > 0) results.push(...(await this.sendRun(action, ready, context, sfids)))
    return results
  }

  private operations(
    action: ChangeAction,
    entries: readonly ChangeEntry[],
    context: WriteContext,
    sfids: ReadonlyMap<number, string>,
  ): WriteOperation[] {
    const sfid = (e: ChangeEntry) => sfids.get(e.recordId) as string
    if (action === 'DELETE')
      return [{ kind: 'delete', entries, records: entries.map((e) => ({ Id: sfid(e) })) }]
    if (action === 'UPDATE') {
      return [
        {
          kind: 'update',
          entries,
          records: entries.map((e) => ({ ...context.toRecord(e.values, 'UPDATE'), Id: sfid(e) })),
        },
      ]
    }
    return insertOperations(
      entries.map((entry) => ({ entry, values: entry.values })),
      context,
    )
  }
}

/** The longest run from `start` of one action, each record at most once, of at most `max`. */
function nextRun(entries: readonly ChangeEntry[], start: number, max: number): ChangeEntry[] {
  const first = entries[start] as ChangeEntry
  const run: ChangeEntry[] = []
  const records = new Set<number>()
  for (let i = start; i < entries.length && run.length < max; i += 1) {
    const entry = entries[i] as ChangeEntry
    if (entry.action !== first.action || records.has(entry.recordId)) break
    run.push(entry)
    records.add(entry.recordId)
  }
  return run
}
