import { BaseWriteStrategy } from './base-write-strategy.js'
import type { WriteOperation } from './send-operation.js'
import { COLLECTION_LIMIT } from './send-operation.js'
import type { ChangeAction, ChangeEntry, EntryResult, WriteContext } from './write-strategy.js'

/**
 * Heroku Connect's "ordered writes", without its worst failure mode (DESIGN.md §5): entries are
 * applied in `_trigger_log` order; consecutive entries of one action go in one sObject
 * Collections call (≤ 200, a record at most once per call); an INSERT becomes an upsert on the
 * mapping's external id when the row has one, so a retry never duplicates a record. A failed
 * INSERT holds back the later entries of that record only (they stay NEW until the insert is
 * retried), not the rest of the queue. The default strategy.
 */
export class OrderedWriteStrategy extends BaseWriteStrategy {
  readonly name: string = 'ordered'

  async write(entries: readonly ChangeEntry[], context: WriteContext): Promise<EntryResult[]> {
    const results = new Map<number, EntryResult>()
    const sfids = new Map<number, string>()
    const blocked = new Set<number>()
    for (const entry of entries) if (entry.sfid) sfids.set(entry.recordId, entry.sfid)
    let i = 0
    while (i < entries.length) {
      const action = (entries[i] as ChangeEntry).action
      const run: ChangeEntry[] = []
      const inRun = new Set<number>()
      while (i < entries.length && run.length < COLLECTION_LIMIT) {
        const entry = entries[i] as ChangeEntry
        if (entry.action !== action || inRun.has(entry.recordId)) break
        run.push(entry)
        inRun.add(entry.recordId)
        i += 1
      }
      for (const result of await this.writeRun(action, run, context, sfids, blocked)) {
        results.set(result.entryId, result)
        const entry = run.find((e) => e.id === result.entryId)
        if (!entry) continue
        if (result.outcome === 'success' && result.sfid && action !== 'DELETE')
          sfids.set(entry.recordId, result.sfid)
        if (action === 'INSERT' && result.outcome !== 'success') blocked.add(entry.recordId)
      }
    }
    return this.complete(entries, [...results.values()], 'deferred')
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
    for (const operation of this.operations(action, ready, context, sfids)) {
      results.push(...(await this.send(operation, context)))
    }
    return results
  }

  private operations(
    action: ChangeAction,
    entries: readonly ChangeEntry[],
    context: WriteContext,
    sfids: ReadonlyMap<number, string>,
  ): WriteOperation[] {
    if (entries.length === 0) return []
    if (action === 'DELETE') {
      return [
        {
          kind: 'delete',
          entries,
          records: entries.map((e) => ({ Id: sfids.get(e.recordId) as string })),
        },
      ]
    }
    if (action === 'UPDATE') {
      return [
        {
          kind: 'update',
          entries,
          records: entries.map((e) => ({
            ...context.toRecord(e.values, 'UPDATE'),
            Id: sfids.get(e.recordId) as string,
          })),
        },
      ]
    }
    const externalId = context.externalIdField
    const upserts: ChangeEntry[] = []
    const creates: ChangeEntry[] = []
    for (const entry of entries) {
      const record = context.toRecord(entry.values, 'INSERT')
      const hasKey =
        externalId !== undefined && record[externalId] !== null && record[externalId] !== undefined
      ;(hasKey ? upserts : creates).push(entry)
    }
    const operations: WriteOperation[] = []
    if (upserts.length > 0) {
      operations.push({
        kind: 'upsert',
        externalIdField: externalId,
        entries: upserts,
        records: upserts.map((e) => context.toRecord(e.values, 'INSERT')),
      })
    }
    if (creates.length > 0) {
      operations.push({
        kind: 'create',
        entries: creates,
        records: creates.map((e) => context.toRecord(e.values, 'INSERT')),
      })
    }
    return operations
  }
}
