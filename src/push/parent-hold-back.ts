import format from 'pg-format'
import type { MappingSchema } from '../mappings/mapping-schema.js'
import type { SyncStore } from '../store/sync-store.js'
import type { ChangeEntry } from '../strategies/write-strategy.js'

/**
 * The entries of `entries` that must wait for a parent (docs/concepts/delivery-guarantees.md): an insert or update that
 * sets a lookup through `<lookup>__r__<externalid>` to a parent row of a mapped table that has no
 * `sfid` yet (its insert is still queued, or failed). Salesforce would reject the child with
 * "Foreign key external ID not found"; held back, it goes once the parent is in Salesforce. Every
 * later entry of a held-back record waits too, so a record's changes keep their order.
 * @internal
 */
export async function entriesWaitingForParents(
  store: SyncStore,
  plan: MappingSchema,
  entries: readonly ChangeEntry[],
): Promise<Set<number>> {
  const held = new Set<number>()
  const lookups = plan.columns.filter((c) => c.lookup?.parentRow)
  if (lookups.length === 0) return held
  const heldRecords = new Set<number>()
  const missingByColumn = new Map<string, Set<string>>()
  for (const column of lookups) {
    const parentRow = column.lookup?.parentRow
    if (!parentRow) continue
    const wanted = [
      ...new Set(
        entries.flatMap((e) => {
          const value = e.action === 'DELETE' ? undefined : e.values[column.column]
          return value ? [value] : []
        }),
      ),
    ]
    if (wanted.length === 0) continue
    const { rows } = await store.pool.query<{ value: string }>(
      format(
        'SELECT DISTINCT %3$I::text AS value FROM %1$I.%2$I WHERE %3$I::text = ANY($1::text[]) AND sfid IS NULL',
        store.schema,
        parentRow.table,
        parentRow.column,
      ),
      [wanted],
    )
    missingByColumn.set(column.column, new Set(rows.map((r) => r.value)))
  }
  for (const entry of entries) {
    const waits =
      heldRecords.has(entry.recordId) ||
      [...missingByColumn].some(([column, missing]) => {
        const value = entry.action === 'DELETE' ? undefined : entry.values[column]
        return value !== undefined && value !== null && missing.has(value)
      })
    if (waits) {
      held.add(entry.id)
      heldRecords.add(entry.recordId)
    }
  }
  return held
}
