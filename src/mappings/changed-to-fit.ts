import { parseColumnType } from './column-type.js'
import type { ColumnSpec } from './mapping-schema.js'

/** A number as it reads back from Postgres unchanged: no sign `+`, leading or trailing zeros, exponent. */
const PLAIN_NUMBER = /^-?(0|[1-9]\d*)(\.\d*[1-9])?$/

/**
 * For a column kept at its own type after its field's type changed in Salesforce (a column with
 * `expectedType`, docs/guides/mappings.md "When Salesforce changes"): why Postgres would store
 * `value` (as `toColumnValue()` gives it) changed, or `undefined` when it stores it as it is.
 * Postgres casts generously (`'007'` and `'1e3'` become numbers, `'yes'` a boolean, a datetime a
 * date), and a value is never changed to fit: such a value's record fails alone. A text column
 * takes any value (Postgres itself refuses one that is too long).
 */
export function changedToFit(
  value: string | number | boolean | null,
  column: Pick<ColumnSpec, 'field' | 'column' | 'pgType' | 'sfType' | 'expectedType'>,
): string | undefined {
  if (value === null || column.expectedType === undefined) return undefined
  const text = String(value)
  let fits: boolean
  switch (parseColumnType(column.pgType).family) {
    case 'number':
      fits = typeof value === 'number' || (PLAIN_NUMBER.test(text) && String(Number(text)) === text)
      break
    case 'boolean':
      fits = typeof value === 'boolean' || text === 'true' || text === 'false'
      break
    case 'date':
      fits = /^\d{4}-\d{2}-\d{2}$/.test(text)
      break
    case 'timestamp':
      fits = /^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2}(\.\d{1,3})?)?$/.test(text)
      break
    default:
      fits = true
  }
  if (fits) return undefined
  return `${column.field} is a ${column.sfType} field in Salesforce now: its value ${JSON.stringify(value)} would change to fit column ${column.column} (${column.pgType}; the field would need ${column.expectedType})`
}
