import { computedColumns } from '../mappings/computed-columns.js'
import type { MappingSchema } from '../mappings/mapping-schema.js'
import type { PushReport } from '../push/push-report.js'

/**
 * Whether a push of `plan` is followed at once by a pull of the mapping (reason `pushed`), so the
 * values Salesforce computed for the records it wrote (formulas, auto-numbers, a lookup Id
 * resolved from the parent's external id, `LastModifiedDate`) reach the rows without waiting for
 * a poll: when the push wrote some record and the mapping has such columns
 * (docs/guides/mappings.md, "Values Salesforce computes"). @internal
 */
export function readsBack(plan: MappingSchema, report: PushReport): boolean {
  return report.succeeded > 0 && computedColumns(plan).length > 0
}
