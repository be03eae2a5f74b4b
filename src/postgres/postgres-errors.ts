import { PgforceError } from '../errors/pgforce-error.js'
import { PostgresError } from '../errors/postgres-error.js'
import type { PoolTarget } from './guarded-pool.js'

/** Messages node-postgres gives a connection that died under a query, with no SQLSTATE. */
const CONNECTION_LOST =
  /Connection terminated|not queryable|Client was closed|connection is closed|Connection ended/i

/**
 * Turns what node-postgres threw into a `PostgresError`: a server error keeps its SQLSTATE and
 * details; a connection that died under the query (a restart, `pg_terminate_backend`) becomes
 * SQLSTATE 08006 (`connection_failure`), which the retry table retries; a relation of pgforce's
 * own that does not exist says to run `install()`. pgforce's own errors pass through.
 * @internal
 */
export function toPostgresError(
  error: unknown,
  target: PoolTarget = {},
  connectionBroken = false,
): unknown {
  if (error instanceof PgforceError) return error
  if (!(error instanceof Error)) return error
  const fields = error as Error & {
    code?: unknown
    detail?: string
    table?: string
    constraint?: string
  }
  const sqlState =
    typeof fields.code === 'string' && /^[0-9A-Z]{5}$/.test(fields.code) ? fields.code : undefined
  if (error.constructor.name === 'DatabaseError' || sqlState) {
    return new PostgresError(withInstallHint(error.message, sqlState), {
      cause: error,
      sqlState,
      detail: fields.detail,
      table: fields.table,
      constraint: fields.constraint,
    })
  }
  if (typeof fields.code === 'string' && /^E[A-Z_]+$/.test(fields.code))
    return connectError(error, target) // a socket that never connected: ECONNREFUSED, ENOTFOUND…
  if (connectionBroken || CONNECTION_LOST.test(error.message)) {
    return new PostgresError(
      `The connection to PostgreSQL${where(target)} was lost: ${error.message}`,
      { cause: error, sqlState: '08006' },
    )
  }
  return error
}

/**
 * A failure to open a connection, as a `PostgresError` that says where pgforce tried to connect
 * (host, port, database, user: never the password) and what to check. Retryable when the cause
 * is (a server starting up or restarting, a refused or reset socket).
 * @internal
 */
export function connectError(error: unknown, target: PoolTarget): PostgresError {
  if (error instanceof PostgresError) return error
  const fields = (error ?? {}) as { code?: unknown; message?: unknown }
  const code = typeof fields.code === 'string' ? fields.code : undefined
  const message = typeof fields.message === 'string' ? fields.message : String(error)
  const sqlState = code && /^[0-9A-Z]{5}$/.test(code) ? code : '08001'
  return new PostgresError(
    `Could not connect to PostgreSQL${where(target)}: ${message}. Check the postgres connection string (or the pool you passed to createConnection) and that the server is running.`,
    { cause: error, sqlState },
  )
}

function where(target: PoolTarget): string {
  if (!target.host && !target.database) return ''
  const host = target.host ? `${target.host}${target.port ? `:${target.port}` : ''}` : ''
  const database = target.database ? `/${target.database}` : ''
  const user = target.user ? ` as ${target.user}` : ''
  return ` at ${host}${database}${user}`
}

function withInstallHint(message: string, sqlState: string | undefined): string {
  if (sqlState !== '42P01' || !/_pgforce_|_trigger_log|_hcmeta/.test(message)) return message
  return `${message}: pgforce is not installed in this schema, or an older version is; run engine.install() (or \`npx pgforce install\`) first`
}
