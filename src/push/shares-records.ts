import type { MappingSchema } from '../mappings/mapping-schema.js'
import type { ChangeEntry } from '../strategies/write-strategy.js'

/**
 * Whether a claimed batch must wait until the round before it has committed every outcome before
 * anything of it is sent (docs/concepts/delivery-guarantees.md): when it holds a change of a record
 * that round sent (the same row, or a row with the same external id value: one record in
 * Salesforce), since a commit that fails sends the earlier change again, after the later one; and
 * when the mapping's rows look up rows of its own table, whose sfids the parent hold-back reads.
 * Otherwise the next round's calls go out while the commits of the one before land.
 * @internal
 */
export function sharesRecords(
  plan: MappingSchema,
  entries: readonly ChangeEntry[],
  before: readonly ChangeEntry[],
): boolean {
  if (plan.columns.some((c) => c.lookup?.parentRow?.table === plan.mapping.table)) return true
  const external = plan.externalId?.toLowerCase()
  const keyColumn = plan.columns.find((c) => c.field.toLowerCase() === external)?.column
  const key = (entry: ChangeEntry) =>
    keyColumn === undefined || entry.action === 'DELETE' ? undefined : entry.values[keyColumn]
  const rows = new Set<number>()
  const keys = new Set<string>()
  for (const entry of before) {
    rows.add(entry.recordId)
    const value = key(entry)
    if (value !== undefined && value !== null) keys.add(value)
  }
  return entries.some((entry) => {
    const value = key(entry)
    return rows.has(entry.recordId) || (value !== undefined && value !== null && keys.has(value))
  })
}
