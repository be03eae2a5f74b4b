/**
 * A Postgres column type as pgforce compares them when Salesforce changes a field
 * (docs/guides/mappings.md, "When Salesforce changes"): its family, and for text and numbers
 * what it can hold. Parsed from the catalog's `format_type()` (`character varying(40)`) or
 * pgforce's own spelling (`varchar(40)`).
 */
export interface ColumnType {
  readonly family: 'text' | 'number' | 'boolean' | 'date' | 'timestamp' | 'other'
  /** Short spelling: `varchar(40)`, `text`, `integer`, `numeric(18,2)`, `timestamp`… */
  readonly name: string
  /** Text: the most characters (`undefined`: no limit). */
  readonly length?: number | undefined
  /** Numbers: digits before the point held exactly (`Infinity`: no limit). */
  readonly whole?: number | undefined
  /** Numbers: digits after the point held exactly (0 for integers; floats hold none exactly). */
  readonly fraction?: number | undefined
  /** Numbers: floating point (`real`, `double precision`): the bits of its mantissa. */
  readonly floatBits?: number | undefined
}

const INTEGERS: Record<string, [name: string, whole: number]> = {
  smallint: ['smallint', 4],
  int2: ['smallint', 4],
  integer: ['integer', 9],
  int: ['integer', 9],
  int4: ['integer', 9],
  bigint: ['bigint', 18],
  int8: ['bigint', 18],
}

/** Parses a column type; anything pgforce does not reason about is family `other`. */
export function parseColumnType(type: string): ColumnType {
  const t = type
    .trim()
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/\s*([(),])\s*/g, '$1')
  const varchar = /^(?:character varying|varchar)(?:\((\d+)\))?$/.exec(t)
  if (varchar) {
    const length = varchar[1] === undefined ? undefined : Number(varchar[1])
    return { family: 'text', name: length === undefined ? 'varchar' : `varchar(${length})`, length }
  }
  if (t === 'text') return { family: 'text', name: 'text' }
  const integer = INTEGERS[t]
  if (integer) return { family: 'number', name: integer[0], whole: integer[1], fraction: 0 }
  const numeric = /^(?:numeric|decimal)(?:\((\d+)(?:,(\d+))?\))?$/.exec(t)
  if (numeric) {
    if (numeric[1] === undefined)
      return { family: 'number', name: 'numeric', whole: Infinity, fraction: Infinity }
    const precision = Number(numeric[1])
    const scale = Number(numeric[2] ?? 0)
    return {
      family: 'number',
      name: `numeric(${precision},${scale})`,
      whole: precision - scale,
      fraction: scale,
    }
  }
  if (t === 'real' || t === 'float4') return { family: 'number', name: 'real', floatBits: 24 }
  if (t === 'double precision' || t === 'float8' || t === 'float')
    return { family: 'number', name: 'double precision', floatBits: 53 }
  if (t === 'boolean' || t === 'bool') return { family: 'boolean', name: 'boolean' }
  if (t === 'date') return { family: 'date', name: 'date' }
  if (t === 'timestamp' || t === 'timestamp without time zone')
    return { family: 'timestamp', name: 'timestamp' }
  // The catalog spells a Time field's column `time without time zone`, the plan `time`.
  if (t === 'time without time zone') return { family: 'other', name: 'time' }
  return { family: 'other', name: t }
}

/**
 * Whether a column of type `column` holds every value of type `value` unchanged. Text holds
 * shorter text; numbers hold numbers with no more whole and fraction digits (a `double
 * precision` holds integers up to `integer`); a `timestamp` holds dates (at midnight). Otherwise
 * only the same type holds a type's values.
 */
export function holdsEvery(column: ColumnType, value: ColumnType): boolean {
  if (column.name === value.name) return true
  if (column.family === 'text' && value.family === 'text')
    return column.length === undefined || (value.length ?? Infinity) <= column.length
  if (column.family === 'number' && value.family === 'number') {
    if (value.floatBits !== undefined)
      return column.floatBits !== undefined && column.floatBits >= value.floatBits
    const whole = value.whole ?? Infinity
    const fraction = value.fraction ?? Infinity
    if (column.floatBits !== undefined)
      return fraction === 0 && whole < Math.floor(column.floatBits * Math.log10(2))
    return (column.whole ?? 0) >= whole && (column.fraction ?? 0) >= fraction
  }
  return column.family === 'timestamp' && value.family === 'date'
}
