import type { FieldType } from '../../salesforce/salesforce-types.js'
import { soqlError } from './soql-error.js'

const DAY = 86_400_000

/**
 * The UTC range `[start, end)` a date literal stands for, in the form records of `type` hold
 * (`YYYY-MM-DD` for dates, canonical datetimes otherwise): `TODAY`, `YESTERDAY`, `TOMORROW`,
 * `LAST_N_DAYS:n` (today and the n-1 days before), `NEXT_N_DAYS:n`, `THIS_MONTH`.
 */
export function dateLiteralRange(
  literal: string,
  n: number,
  now: Date,
  type: FieldType,
): [string, string] {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())
  const name = literal.split(':')[0]?.toUpperCase()
  let start: number
  let end: number
  switch (name) {
    case 'TODAY':
      ;[start, end] = [today, today + DAY]
      break
    case 'YESTERDAY':
      ;[start, end] = [today - DAY, today]
      break
    case 'TOMORROW':
      ;[start, end] = [today + DAY, today + 2 * DAY]
      break
    case 'LAST_N_DAYS':
      ;[start, end] = [today - n * DAY, today + DAY]
      break
    case 'NEXT_N_DAYS':
      ;[start, end] = [today + DAY, today + (n + 1) * DAY]
      break
    case 'THIS_MONTH':
      start = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)
      end = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)
      break
    default:
      throw soqlError('MALFORMED_QUERY', `unsupported date literal: ${literal}`)
  }
  const format = (ms: number) =>
    type === 'date'
      ? new Date(ms).toISOString().slice(0, 10)
      : `${new Date(ms).toISOString().slice(0, 23)}+0000`
  return [format(start), format(end)]
}
