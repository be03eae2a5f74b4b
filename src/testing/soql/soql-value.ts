import { parseSalesforceDatetime } from '../../salesforce/salesforce-datetime.js'
import type { FieldDescribe, FieldType } from '../../salesforce/salesforce-types.js'

const TEXT_TYPES: ReadonlySet<FieldType> = new Set([
  'string',
  'textarea',
  'email',
  'phone',
  'url',
  'picklist',
  'multipicklist',
  'combobox',
  'encryptedstring',
  'anyType',
])

/** Whether values of this type compare as case-insensitive text. */
export function isTextType(type: FieldType): boolean {
  return TEXT_TYPES.has(type)
}

/**
 * Orders two non-null values of `field` the way SOQL does: text case-insensitively, ids by their
 * first 15 characters (case-sensitive), numbers numerically, datetimes (canonical
 * `…+0000` strings) and dates as strings, booleans false < true.
 */
export function compareValues(a: unknown, b: unknown, field: Pick<FieldDescribe, 'type'>): number {
  switch (field.type) {
    case 'int':
    case 'double':
    case 'currency':
    case 'percent':
      return Number(a) - Number(b)
    case 'boolean':
      return Number(a === true) - Number(b === true)
    case 'id':
    case 'reference':
      return compareText(String(a).slice(0, 15), String(b).slice(0, 15))
    case 'datetime':
      return compareText(canonicalDatetime(String(a)), canonicalDatetime(String(b)))
    default:
      return isTextType(field.type)
        ? compareText(String(a).toLowerCase(), String(b).toLowerCase())
        : compareText(String(a), String(b))
  }
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * Any ISO datetime (`Z`, `+hh:mm`, `+hhmm`, with or without millis) as the org's canonical form
 * `YYYY-MM-DDTHH:mm:ss.SSS+0000`, which sorts chronologically as plain text. Already-canonical
 * text is returned as is (the hot path).
 */
export function canonicalDatetime(value: string): string {
  if (value.length === 28 && value.endsWith('+0000')) return value
  const ms = parseSalesforceDatetime(value)
  if (ms === undefined) return value
  return `${new Date(ms).toISOString().slice(0, 23)}+0000`
}

/** A case-insensitive matcher for a LIKE pattern (`%` any run, `_` one character). */
export function likeMatcher(pattern: string): (value: string) => boolean {
  let source = '^'
  for (const char of pattern) {
    if (char === '%') source += '.*'
    else if (char === '_') source += '.'
    else source += char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  }
  const regex = new RegExp(`${source}$`, 'is')
  return (value) => regex.test(value)
}
