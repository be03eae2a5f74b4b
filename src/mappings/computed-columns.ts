import type { ColumnSpec, MappingSchema } from './mapping-schema.js'

/**
 * The mapped columns whose values Salesforce sets when pgforce writes a record, so a push leaves
 * them stale in the row until they are read back (docs/guides/mappings.md, "Values Salesforce
 * computes"): mapped fields a push never sends — formulas, auto-numbers, audit fields such as
 * `LastModifiedDate`, compound names — and a lookup's Id field (`AccountId`) mapped beside a
 * `<lookup>__r__<extid>` column, which Salesforce resolves from the parent's external id.
 * System columns (`sfid`, `systemmodstamp`, …) are not counted: every pull refreshes them, and
 * they alone are no reason to read a record back.
 */
export function computedColumns(plan: MappingSchema): ColumnSpec[] {
  const sent = new Set(plan.writableColumns.map((c) => c.column))
  const resolved = new Set(
    plan.columns.flatMap((c) => (c.lookup ? [c.lookup.referenceField.toLowerCase()] : [])),
  )
  return plan.columns.filter(
    (c) => !c.system && (!sent.has(c.column) || resolved.has(c.field.toLowerCase())),
  )
}
