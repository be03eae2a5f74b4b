import { PostgresError } from '../errors/postgres-error.js'
import { changedToFit } from '../mappings/changed-to-fit.js'
import { parseColumnType } from '../mappings/column-type.js'
import type { ColumnSpec } from '../mappings/mapping-schema.js'
import { isUtcWithMilliseconds, toColumnValue } from '../mappings/value-conversion.js'

/**
 * The type a value is cast to in a pull's SELECT from `unnest()`: the column's own, except that
 * text types keep no length. An explicit cast to `varchar(40)` cuts a longer value to 40
 * characters without a word; the assignment to the column refuses it (22001), so the record fails
 * loudly instead. @internal
 */
export function castType(pgType: string): string {
  return /^\s*(varchar|character varying|char|character|bpchar)\s*\(\s*\d+\s*\)\s*$/i.test(pgType)
    ? 'text'
    : pgType
}

/**
 * A Salesforce value as the text parameter bound for its column. A value Postgres would store
 * changed, in a column kept at its type after the field's type changed (`changedToFit()`), is
 * refused as Postgres refuses a value (SQLSTATE 22P02), so its record fails alone. @internal
 */
export function asParameter(value: unknown, column: ColumnSpec): string | null {
  // A UTC datetime goes as Salesforce wrote it, zone included, into a timestamp column of its
  // planned type: Postgres reads the same instant from it (`timestamp` drops the zone, which is
  // UTC; `timestamptz` keeps it), and a load converts several per record without allocating
  // (docs/concepts/performance.md, "Memory").
  if (typeof value === 'string' && takesUtcText(column) && isUtcWithMilliseconds(value))
    return value
  const drift = textForTypedField(value, column)
  if (drift) throw new PostgresError(drift, { sqlState: '22P02' })
  const converted = toColumnValue(value, column.sfType)
  const problem = changedToFit(converted, column)
  if (problem) throw new PostgresError(problem, { sqlState: '22P02' })
  return converted === null ? null : String(converted)
}

/** Whether `column` is a datetime field's timestamp column at its planned type. */
function takesUtcText(column: ColumnSpec): boolean {
  let takes = UTC_TEXT_COLUMNS.get(column)
  if (takes === undefined) {
    takes =
      column.sfType === 'datetime' &&
      column.expectedType === undefined &&
      parseColumnType(column.pgType).family === 'timestamp'
    UTC_TEXT_COLUMNS.set(column, takes)
  }
  return takes
}

const UTC_TEXT_COLUMNS = new WeakMap<ColumnSpec, boolean>()

/**
 * Text that Salesforce sent for a field the plan knows as a number or a checkbox, and that would
 * be stored changed (`'007'` as 7, `'No'` as false): REST sends those fields as JSON numbers and
 * booleans, so the field's type has changed in Salesforce since the last describe. Refused like a
 * value Postgres refuses (22P02): the record fails alone, and the refusal makes the engine
 * describe the object again (its column then keeps its type, `changedToFit()`).
 */
function textForTypedField(value: unknown, column: ColumnSpec): string | undefined {
  const boolean = column.sfType === 'boolean'
  if (!boolean && !NUMBER_TYPES.has(column.sfType)) return undefined
  if (typeof value !== 'string' || value === '') return undefined
  const changed = boolean
    ? value !== 'true' && value !== 'false'
    : String(Number(value)) !== value && Number.isFinite(Number(value))
  if (!changed) return undefined
  return `${column.field} came from Salesforce as the text ${JSON.stringify(value)}, which column ${column.column} (${column.pgType}) would store changed: the field's type may have changed in Salesforce since it was described`
}

/** Salesforce field types REST sends as JSON numbers. */
const NUMBER_TYPES: ReadonlySet<string> = new Set(['int', 'double', 'currency', 'percent'])
