import type { ColumnSpec, MappingSchema } from '../mappings/mapping-schema.js'
import type { RecordError } from '../salesforce/salesforce-types.js'
import type { ChangeAction, ChangeEntry } from '../strategies/write-strategy.js'

/** The status code of an entry pgforce did not send because a value cannot reach Salesforce. */
export const INVALID_VALUE = 'PGFORCE_INVALID_VALUE'

/**
 * What makes a captured value impossible to send as it is (docs/concepts/delivery-guarantees.md,
 * "Nothing is cut or changed to fit"): NaN or ±Infinity in a number field (JSON would send null),
 * a number with more digits before the point than the field holds, an infinite, BC or out-of-range
 * date or datetime (Salesforce keeps 1700-01-01 to 4000-12-31). `undefined` when it can be sent.
 * @internal
 */
export function valueProblem(text: string | null, column: ColumnSpec): string | undefined {
  if (text === null) return undefined
  switch (column.sfType) {
    case 'int':
    case 'double':
    case 'currency':
    case 'percent': {
      const value = Number(text)
      if (!Number.isFinite(value))
        return `${text} is not a finite number, and a ${column.sfType} field takes only those`
      const whole = Math.abs(Math.trunc(value)).toString().length
      const allowed =
        column.sfType === 'int'
          ? column.digits
          : column.precision === undefined
            ? undefined
            : column.precision - (column.scale ?? 0)
      if (allowed !== undefined && allowed > 0 && value !== 0 && whole > allowed)
        return `${text} has ${whole} digits before the point; the field holds ${allowed}`
      if (column.sfType === 'int' && !Number.isInteger(value))
        return `${text} is not a whole number, and an int field takes only those`
      if (!sameAsDouble(text, value))
        return `${text} has more significant digits than a number pgforce sends can carry (about 15): it would arrive as ${value}`
      return undefined
    }
    case 'date':
    case 'datetime': {
      const match = /^(\d{4})-\d{2}-\d{2}/.exec(text)
      if (!match || / BC$/.test(text))
        return `${text} is not a date Salesforce can store (1700-01-01 to 4000-12-31)`
      const year = Number(match[1])
      if (year < 1700 || year > 4000)
        return `${text} is outside the dates Salesforce can store (1700-01-01 to 4000-12-31)`
      return undefined
    }
    default:
      return undefined
  }
}

/**
 * Whether the decimal `text` (as Postgres prints a numeric or integer) is exactly the number the
 * double `value` carries to its last decimal: a number goes to Salesforce as a JSON number, read
 * from the text as a double, which keeps about 15 significant digits. Text in another form (a
 * `double precision` column's exponents) is already a double's.
 */
function sameAsDouble(text: string, value: number): boolean {
  const decimal = /^[+-]?\d*(?:\.(\d*))?$/.exec(text)
  if (!decimal) return true
  const scale = decimal[1]?.length ?? 0
  if (scale > 100) return false
  return normalized(value.toFixed(scale)) === normalized(text)
}

/** A decimal without sign on zero, leading zeros, trailing fraction zeros or `+`. */
function normalized(decimal: string): string {
  const negative = decimal.startsWith('-')
  const [whole = '', fraction = ''] = decimal.replace(/^[+-]/, '').split('.')
  const digits = whole.replace(/^0+/, '') || '0'
  const rest = fraction.replace(/0+$/, '')
  const zero = digits === '0' && rest === ''
  return `${negative && !zero ? '-' : ''}${digits}${rest ? `.${rest}` : ''}`
}

/**
 * The entries of a round that cannot be sent, each with the error its entry fails with: the first
 * value of each entry that `valueProblem` refuses, for the fields its action would send.
 * @internal
 */
export function unsendableEntries(
  plan: MappingSchema,
  entries: readonly ChangeEntry[],
): Map<number, RecordError> {
  const byColumn = new Map(plan.writableColumns.map((c) => [c.column, c]))
  const refused = new Map<number, RecordError>()
  for (const entry of entries) {
    if (entry.action === 'DELETE') continue
    for (const column in entry.values) {
      const text = entry.values[column] ?? null
      const spec = byColumn.get(column)
      if (!spec || !sends(spec, entry.action)) continue
      const problem = valueProblem(text, spec)
      if (problem) {
        refused.set(entry.id, {
          statusCode: INVALID_VALUE,
          message: `pgforce did not send this change: ${spec.field} ${problem}. Fix the row and retry it (retryFailed()).`,
          fields: [spec.field],
        })
        break
      }
    }
  }
  return refused
}

function sends(column: ColumnSpec, action: ChangeAction): boolean {
  return action === 'INSERT' ? column.createable : column.updateable
}
