import { PostgresError } from '../errors/postgres-error.js'
import { toPostgresError } from '../postgres/postgres-errors.js'

/**
 * The error as a `PostgresError` when Postgres refused a record's values, or `undefined` for any
 * other failure. Refusals are SQLSTATE class 22 (data exceptions: a NUL byte 22021, text in a
 * number 22P02, too long 22001, out of range 22003, a bad datetime 22007/22008…) and class 23
 * (integrity: a NOT NULL, unique, foreign key or check constraint of the table), and class P0
 * (an app's own PL/pgSQL trigger on the table raised: `RAISE EXCEPTION` P0001, an assertion):
 * they belong to the record and will fail the same way every time. Everything else (connections, locks,
 * timeouts, serialization, missing tables) fails the pull, which is then retried as a whole.
 * @internal
 */
export function refusalOf(error: unknown): PostgresError | undefined {
  const converted = toPostgresError(error)
  if (!(converted instanceof PostgresError)) return undefined
  const state = converted.sqlState ?? ''
  return state.startsWith('22') || state.startsWith('23') || state.startsWith('P0')
    ? converted
    : undefined
}
