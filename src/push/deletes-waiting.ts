import { externalIdKey } from '../strategies/ordered-write-strategy.js'
import type { ChangeEntry, EntryResult, WriteContext } from '../strategies/write-strategy.js'

/**
 * The deletes of a push pass that did not go through (deferred, to be retried, or failed), and
 * the inserts that must wait behind them: a delete carries no values, so which inserts reuse the
 * deleted row's external id is unknown, and such an insert, sent first, would upsert onto the
 * record the retried delete then removes (docs/guides/write-strategies.md). Inserts with an
 * external id value captured after the first such delete wait for the next pass, which claims
 * the delete first. Within one batch the ordered strategy applies the same rule. @internal
 */
export class DeletesWaiting {
  /** The lowest id of a delete that did not go through in this pass. */
  private from: number | undefined

  /** Takes note of a round's outcomes. */
  note(entries: readonly ChangeEntry[], results: readonly EntryResult[]): void {
    const deletes = new Set(entries.filter((e) => e.action === 'DELETE').map((e) => e.id))
    for (const result of results) {
      if (!deletes.has(result.entryId)) continue
      if (result.outcome !== 'failed' && result.outcome !== 'deferred') continue
      this.from = Math.min(this.from ?? result.entryId, result.entryId)
    }
  }

  /** The ids of `entries` that wait behind a delete of this pass: keyed inserts after it. */
  held(
    entries: readonly ChangeEntry[],
    context: Pick<WriteContext, 'externalIdField' | 'toRecord'>,
  ): number[] {
    const from = this.from
    if (from === undefined || context.externalIdField === undefined) return []
    const keyOf = externalIdKey(context)
    return entries
      .filter((e) => e.action === 'INSERT' && e.id > from && keyOf(e) !== undefined)
      .map((e) => e.id)
  }
}
