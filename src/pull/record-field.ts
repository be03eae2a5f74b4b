import { toIsoInstant } from '../salesforce/salesforce-datetime.js'
import type { SObjectRecord } from '../salesforce/salesforce-types.js'

/** A record's value of `field`; `Parent.Field` reads the nested parent (null when no parent). */
export function fieldValue(record: SObjectRecord, field: string): unknown {
  const dot = field.indexOf('.')
  if (dot < 0) return record[field]
  const parent = record[field.slice(0, dot)]
  if (typeof parent !== 'object' || parent === null) return null
  return (parent as Record<string, unknown>)[field.slice(dot + 1)] ?? null
}

/** A record's SystemModstamp as the ISO instant a cursor holds; throws when it has none. */
export function stampOf(record: {
  readonly SystemModstamp?: unknown
  readonly Id?: unknown
}): string {
  const stamp = toIsoInstant(record.SystemModstamp)
  if (!stamp) throw new RangeError(`Record ${String(record.Id)} has no valid SystemModstamp`)
  return stamp
}
