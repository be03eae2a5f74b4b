import type { FieldDescribe, SObjectRecord } from '../../salesforce/salesforce-types.js'
import { dateLiteralRange } from './date-literals.js'
import type { FieldPath } from './field-path.js'
import { soqlError } from './soql-error.js'
import { canonicalDatetime, compareValues, isTextType, likeMatcher } from './soql-value.js'
import type { Condition } from './where-tree.js'

type Predicate = (record: SObjectRecord) => boolean

/**
 * Compiles one WHERE condition (`field op literal`) into a predicate, with the comparison
 * semantics of the field's type: text compares case-insensitively, ids on their first 15
 * characters, datetimes as instants, date literals (`TODAY`, `LAST_N_DAYS:7`) as UTC ranges.
 */
export function compileCondition(condition: Condition, path: FieldPath, now: Date): Predicate {
  const c = condition as Condition & {
    operator: string
    value?: string | string[]
    literalType?: string | string[]
    dateLiteralVariable?: number
  }
  const operator = c.operator.toUpperCase()
  const field = path.field
  const read = path.read
  const literalType = Array.isArray(c.literalType) ? c.literalType[0] : c.literalType
  if (
    operator === 'IN' ||
    operator === 'NOT IN' ||
    operator === 'INCLUDES' ||
    operator === 'EXCLUDES'
  ) {
    const values = (Array.isArray(c.value) ? c.value : [c.value ?? '']).map((v) =>
      literal(v, literalType, field),
    )
    if (operator === 'INCLUDES' || operator === 'EXCLUDES') {
      const wanted = values.map((v) => String(v).toLowerCase().split(';').sort().join(';'))
      const includes = (record: SObjectRecord) => {
        const have = new Set(
          String(read(record) ?? '')
            .toLowerCase()
            .split(';'),
        )
        return wanted.some((w) => w.split(';').every((part) => have.has(part)))
      }
      return operator === 'INCLUDES' ? includes : (record) => !includes(record)
    }
    if (field.type === 'id' || field.type === 'reference') {
      // Ids compare on their first 15 characters: one set lookup instead of a scan of the list.
      const keys = new Set(values.flatMap((v) => (v === null ? [] : [String(v).slice(0, 15)])))
      const nullMatches = values.includes(null)
      const inIds = (record: SObjectRecord) => {
        const value = read(record)
        return value === null ? nullMatches : keys.has(String(value).slice(0, 15))
      }
      return operator === 'IN' ? inIds : (record) => !inIds(record)
    }
    const inList = (record: SObjectRecord) => {
      const value = read(record)
      return values.some((v) =>
        v === null ? value === null : value !== null && compareValues(value, v, field) === 0,
      )
    }
    return operator === 'IN' ? inList : (record) => !inList(record)
  }
  if (literalType === 'DATE_LITERAL' || literalType === 'DATE_N_LITERAL') {
    const [start, end] = dateLiteralRange(
      String(c.value),
      c.dateLiteralVariable ?? 0,
      now,
      field.type,
    )
    return rangePredicate(operator, read, start, end, field)
  }
  const value = literal(
    Array.isArray(c.value) ? (c.value[0] ?? '') : (c.value ?? ''),
    literalType,
    field,
  )
  if (operator === 'LIKE') {
    const matches = likeMatcher(String(value))
    return (record) => {
      const v = read(record)
      return v !== null && v !== undefined && matches(String(v))
    }
  }
  if (value === null) {
    if (operator === '=') return (record) => read(record) === null
    if (operator === '!=' || operator === '<>') return (record) => read(record) !== null
    throw soqlError('MALFORMED_QUERY', `null can only be compared with = or !=`)
  }
  const test = comparison(operator)
  return (record) => {
    const v = read(record)
    if (v === null || v === undefined) return operator === '!=' || operator === '<>'
    return test(compareValues(v, value, field))
  }
}

function comparison(operator: string): (order: number) => boolean {
  switch (operator) {
    case '=':
      return (o) => o === 0
    case '!=':
    case '<>':
      return (o) => o !== 0
    case '<':
      return (o) => o < 0
    case '<=':
      return (o) => o <= 0
    case '>':
      return (o) => o > 0
    case '>=':
      return (o) => o >= 0
    default:
      throw soqlError('MALFORMED_QUERY', `unexpected operator: ${operator}`)
  }
}

function rangePredicate(
  operator: string,
  read: FieldPath['read'],
  start: string,
  end: string,
  field: FieldDescribe,
): Predicate {
  const inRange = (v: unknown) =>
    compareValues(v, start, field) >= 0 && compareValues(v, end, field) < 0
  return (record) => {
    const v = read(record)
    if (v === null || v === undefined) return operator === '!=' || operator === '<>'
    switch (operator) {
      case '=':
        return inRange(v)
      case '!=':
      case '<>':
        return !inRange(v)
      case '<':
        return compareValues(v, start, field) < 0
      case '<=':
        return compareValues(v, end, field) < 0
      case '>':
        return compareValues(v, end, field) >= 0
      case '>=':
        return compareValues(v, start, field) >= 0
      default:
        throw soqlError('MALFORMED_QUERY', `unexpected operator: ${operator}`)
    }
  }
}

/** A literal of the query as the value records hold for `field`. */
function literal(raw: string, literalType: string | undefined, field: FieldDescribe): unknown {
  switch (literalType) {
    case 'NULL':
      return null
    case 'BOOLEAN':
      return raw.toLowerCase() === 'true'
    case 'INTEGER':
    case 'DECIMAL':
    case 'INTEGER_WITH_CURRENCY_PREFIX':
    case 'DECIMAL_WITH_CURRENCY_PREFIX':
      return Number(raw.replace(/^[A-Z]{3}/, ''))
    case 'DATETIME':
      if (field.type === 'date') return raw.slice(0, 10)
      return canonicalDatetime(raw)
    case 'DATE':
      return field.type === 'datetime' ? canonicalDatetime(`${raw}T00:00:00Z`) : raw
    default: {
      const text = unquote(raw)
      if (field.type === 'datetime' || field.type === 'date') {
        throw soqlError(
          'INVALID_QUERY_FILTER_OPERATOR',
          `value of filter criterion for field '${field.name}' must be of type ${field.type === 'date' ? 'date' : 'dateTime'} and should not be enclosed in quotes`,
        )
      }
      if (field.type === 'boolean') return text.toLowerCase() === 'true'
      if (!isTextType(field.type) && field.type !== 'id' && field.type !== 'reference')
        return Number(text)
      return text
    }
  }
}

export function unquote(raw: string): string {
  if (!raw.startsWith("'")) return raw
  return raw
    .slice(1, -1)
    .replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c))
}
