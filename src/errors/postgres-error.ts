import { PgforceError, type PgforceErrorOptions } from './pgforce-error.js'

/** Server fields copied from a node-postgres `DatabaseError`. */
export interface PostgresErrorDetails extends PgforceErrorOptions {
  /** SQLSTATE, e.g. `40001` (serialization failure), `23505` (unique violation). */
  readonly sqlState?: string | undefined
  readonly detail?: string | undefined
  readonly table?: string | undefined
  readonly constraint?: string | undefined
}

/** A PostgreSQL statement pgforce ran failed; carries the server's SQLSTATE and details. */
export class PostgresError extends PgforceError {
  /** SQLSTATE of the failure, when the server sent one. */
  readonly sqlState: string | undefined
  readonly detail: string | undefined
  readonly table: string | undefined
  readonly constraint: string | undefined

  constructor(message: string, details: PostgresErrorDetails = {}) {
    super('POSTGRES', message, details)
    this.sqlState = details.sqlState
    this.detail = details.detail
    this.table = details.table
    this.constraint = details.constraint
  }
}
