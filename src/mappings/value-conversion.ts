import { parseSalesforceDatetime } from '../salesforce/salesforce-datetime.js'
import type { FieldType } from '../salesforce/salesforce-types.js'

/** Numeric text as JSON and Salesforce write it: `12`, `-1.5`, `1e3` (not `NaN`, `Infinity`, hex). */
const NUMERIC_TEXT = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/

/**
 * A Salesforce value (REST JSON or Bulk CSV already typed) as the text or number bound to its
 * Postgres column. Datetimes become UTC `YYYY-MM-DD HH:MM:SS.mmm` (columns are `timestamp` without
 * time zone, holding UTC as Heroku Connect does); an object in a text field becomes its JSON text;
 * everything else passes through, `undefined` becomes `null`. Nothing is changed to fit: a value
 * that is not what its type says (text in a number field, a non-boolean in a checkbox, a datetime
 * that does not parse) is passed on as the text Salesforce sent, so Postgres refuses it and the
 * pull sets that record aside (`pull:record-failed`) instead of storing NaN, `false` or null.
 */
export function toColumnValue(value: unknown, type: FieldType): string | number | boolean | null {
  if (value === undefined || value === null || value === '')
    return type === 'string' && value === '' ? '' : null
  switch (type) {
    case 'datetime':
      return datetimeToUtcText(String(value))
    case 'boolean':
      if (typeof value === 'boolean') return value
      return value === 'true' || value === 'false' ? value === 'true' : asText(value)
    case 'int':
    case 'double':
    case 'currency':
    case 'percent':
      if (typeof value === 'number') return value
      return typeof value === 'string' && NUMERIC_TEXT.test(value) ? Number(value) : asText(value)
    default:
      return asText(value)
  }
}

/** A value as text: objects as their JSON, everything else as JavaScript writes it. */
function asText(value: unknown): string {
  return typeof value === 'object' ? JSON.stringify(value) : String(value as string | number)
}

/**
 * A captured column value (text, as `_trigger_log.values` holds it) as the JSON value Salesforce
 * expects for a field of `type`: booleans, numbers, ISO datetimes with `Z`; `null` stays `null`.
 */
export function toSalesforceValue(
  text: string | null,
  type: FieldType,
): string | number | boolean | null {
  if (text === null) return null
  switch (type) {
    case 'boolean':
      return text === 'true' || text === 't'
    case 'int':
      return Number.parseInt(text, 10)
    case 'double':
    case 'currency':
    case 'percent':
      return Number(text)
    case 'datetime':
      return text.includes('T') ? text : `${text.replace(' ', 'T')}Z`
    default:
      return text
  }
}

/**
 * Whether `value` is `YYYY-MM-DDTHH:MM:SS.sss` followed by `Z` or `+0000`, every digit a digit:
 * a UTC datetime as REST (`+0000`) and Bulk 2.0 (`Z`) write it.
 */
export function isUtcWithMilliseconds(value: string): boolean {
  const length = value.length
  if (length === 24) {
    if (value.charCodeAt(23) !== 90 /* Z */) return false
  } else if (length !== 28 || !value.endsWith('+0000')) return false
  for (let i = 0; i < 23; i += 1) {
    const code = value.charCodeAt(i)
    const expected = UTC_SEPARATORS[i]
    if (expected === undefined ? code < 48 || code > 57 : code !== expected) return false
  }
  return true
}

/** The separators of `YYYY-MM-DDTHH:MM:SS.sss` by position (digits elsewhere). */
const UTC_SEPARATORS: readonly (number | undefined)[] = Array.from(
  { length: 23 },
  (_, i) => ({ 4: 45, 7: 45, 10: 84, 13: 58, 16: 58, 19: 46 })[i],
)

/** A UTC datetime as Salesforce writes it: date, time, milliseconds (3 digits, optional). */
const UTC_DATETIME = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(\.\d{3})?(?:Z|\+0000|\+00:00)$/

/**
 * `2024-01-31T12:34:56.000+0000`, `…Z` or `…+02:00` → `2024-01-31 12:34:56.000` in UTC. Text that
 * is not a datetime is returned unchanged so Postgres reports it.
 */
export function datetimeToUtcText(value: string): string {
  // The usual forms, `…T12:34:56.000+0000` (REST) and `…T12:34:56.000Z` (Bulk 2.0), checked
  // character by character: a load converts several datetimes per record, and a regular
  // expression's match allocated more than the rest of the conversion (performance.md, "Memory").
  if (isUtcWithMilliseconds(value)) return value.slice(0, 23).replace('T', ' ')
  // Other UTC forms (no milliseconds, `+00:00`): rearranged, not parsed.
  const utc = UTC_DATETIME.exec(value)
  if (utc) return `${utc[1]} ${utc[2]}${utc[3] ?? '.000'}`
  const ms = parseSalesforceDatetime(value)
  if (ms === undefined) return value
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '')
}

/**
 * Whether a Salesforce value equals a value as the capture trigger recorded it (`_trigger_log`
 * text: numbers and booleans as Postgres prints them, datetimes as UTC ISO instants, see
 * `asText()`): the same number, instant, time of day, boolean or text, and null only for null.
 * The one comparison of a Salesforce value with a Postgres one: a pull's conflict check and
 * `engine.verify()` both use it.
 */
export function equalsCaptured(value: unknown, text: string | null, type: FieldType): boolean {
  const converted = toColumnValue(value, type)
  if (converted === null || text === null) return converted === null && text === null
  switch (type) {
    case 'int':
    case 'double':
    case 'currency':
    case 'percent':
      return Number(converted) === Number(text)
    case 'boolean':
      return converted === (text === 'true' || text === 't')
    case 'datetime':
      return Date.parse(`${String(converted).replace(' ', 'T')}Z`) === Date.parse(text)
    case 'time': {
      // Salesforce sends `12:30:00.000Z`; a `time` column prints `12:30:00`.
      const [a, b] = [timeOfDayMs(String(converted)), timeOfDayMs(text)]
      return a !== undefined && b !== undefined ? a === b : String(converted) === text
    }
    default:
      return String(converted) === text
  }
}

/** `HH:MM[:SS[.fff]][Z]` as milliseconds since midnight; `undefined` for anything else. */
function timeOfDayMs(text: string): number | undefined {
  const match = /^(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?Z?$/.exec(text.trim())
  if (!match) return undefined
  const [, h, m, s, fraction] = match
  return (
    ((Number(h) * 60 + Number(m)) * 60 + Number(s ?? 0)) * 1000 +
    Math.round(Number(fraction ?? 0) * 1000)
  )
}
