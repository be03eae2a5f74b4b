import { sendOperation, type WriteOperation } from './send-operation.js'
import type { ChangeEntry, EntryResult, WriteContext, WriteStrategy } from './write-strategy.js'

/**
 * A base for {@link WriteStrategy} implementations: subclasses decide which Salesforce operations
 * to make of the entries, and {@link send} does the rest (calls of ≤ 200 records, one
 * {@link EntryResult} per entry, retryable record errors deferred, call errors thrown). Extending
 * it keeps a custom strategy short and gets later helpers for free.
 *
 * @example
 * ```ts
 * // Sends every change as an update, ignoring inserts and deletes.
 * class UpdatesOnlyStrategy extends BaseWriteStrategy {
 *   readonly name = 'updates-only'
 *   async write(entries: readonly ChangeEntry[], context: WriteContext) {
 *     const updates = entries.filter((e) => e.action === 'UPDATE' && e.sfid)
 *     const sent = await this.send({
 *       kind: 'update', entries: updates,
 *       records: updates.map((e) => ({ Id: e.sfid, ...context.toRecord(e.values, 'UPDATE') })),
 *     }, context)
 *     return this.complete(entries, sent, 'ignored')
 *   }
 * }
 * ```
 */
export abstract class BaseWriteStrategy implements WriteStrategy {
  abstract readonly name: string
  abstract write(entries: readonly ChangeEntry[], context: WriteContext): Promise<EntryResult[]>

  /** Sends one operation; see `sendOperation`. */
  protected send(operation: WriteOperation, context: WriteContext): Promise<EntryResult[]> {
    return sendOperation(operation, context)
  }

  /**
   * Adds a result with outcome `rest` for every entry that has none yet, so a strategy can report
   * only what it sent. Returned in the order of `entries`.
   */
  protected complete(
    entries: readonly ChangeEntry[],
    results: readonly EntryResult[],
    rest: EntryResult['outcome'],
  ): EntryResult[] {
    const byId = new Map(results.map((r) => [r.entryId, r]))
    return entries.map((e) => byId.get(e.id) ?? { entryId: e.id, outcome: rest })
  }
}
