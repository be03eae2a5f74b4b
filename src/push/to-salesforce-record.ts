import type { MappingSchema } from '../mappings/mapping-schema.js'
import { toSalesforceValue } from '../mappings/value-conversion.js'
import type { SObjectRecord } from '../salesforce/salesforce-types.js'
import type { ChangeAction } from '../strategies/write-strategy.js'

/**
 * Builds the `toRecord` of a mapping's write context: captured column text → a Salesforce record
 * with API names and typed values, keeping only the fields the action may set. A
 * `<lookup>__r__<externalid>` column becomes a nested parent reference, `{ Account: { External_Id__c: … } }`
 * (and an empty Id column of the same lookup beside it is left out).
 * @internal
 */
export function recordBuilder(plan: MappingSchema) {
  const byColumn = new Map(plan.writableColumns.map((c) => [c.column, c]))
  return (values: Readonly<Record<string, string | null>>, action: ChangeAction): SObjectRecord => {
    const record: SObjectRecord = {}
    // `for … in`, not Object.entries(): no array per value on a push's hot path.
    for (const column in values) {
      const text = values[column] ?? null
      const spec = byColumn.get(column)
      if (!spec) continue
      if (action === 'INSERT' ? !spec.createable : !spec.updateable) continue
      if (spec.lookup) {
        // Sets the lookup by the parent's external id; an empty one leaves the lookup alone.
        if (text !== null && text !== '')
          record[spec.lookup.relationship] = {
            [spec.lookup.parentField]: toSalesforceValue(text, spec.sfType),
          }
        continue
      }
      record[spec.field] = toSalesforceValue(text, spec.sfType)
    }
    // A lookup set by the parent's external id: an empty Id column beside it (`accountid` still
    // NULL on an insert) is not sent too — Salesforce resolves the Id from the external id.
    for (const spec of plan.writableColumns) {
      const lookup = spec.lookup
      if (lookup && lookup.relationship in record && record[lookup.referenceField] === null)
        delete record[lookup.referenceField]
    }
    return record
  }
}
