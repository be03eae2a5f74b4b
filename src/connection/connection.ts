import { EventEmitter } from 'eventemitter3'
import { guardPool } from '../postgres/guarded-pool.js'
import type { PgPoolLike } from '../postgres/pg-pool-like.js'
import type { SalesforceAdapter } from '../salesforce/salesforce-adapter.js'
import type { ConnectionWarning } from './connection-warning.js'

/** Events of a {@link Connection}. */
export interface ConnectionEvents {
  /** An idle Postgres connection of a pool pgforce created failed (the pool replaces it). */
  error: [error: Error]
}

/** What a {@link Connection} is made of; see `createConnection()`. */
export interface ConnectionParts {
  readonly salesforce: SalesforceAdapter
  readonly pool: PgPoolLike
  /** A pool of direct connections for what needs a session of its own (LISTEN); `pool` when none. */
  readonly sessionPool?: PgPoolLike
  readonly schema: string
  /** Close the adapter on `close()` (pgforce created it). */
  readonly ownsSalesforce: boolean
  /** End the pool on `close()` (pgforce created it). */
  readonly ownsPool: boolean
  /** End `sessionPool` on `close()` (pgforce created it). */
  readonly ownsSessionPool?: boolean
  /** What the app should know about how the connection was made. */
  readonly warnings?: readonly ConnectionWarning[]
}

/**
 * One Salesforce org and one Postgres schema (Heroku Connect's "connection"). Made by
 * `createConnection()`; shared by engines and tools. `close()` releases what pgforce created and
 * leaves alone what the app handed over (an existing pool or adapter).
 */
export class Connection extends EventEmitter<ConnectionEvents> {
  /** The door to Salesforce. */
  readonly salesforce: SalesforceAdapter
  /**
   * The Postgres pool (the app's own when it passed one), as pgforce uses it: clients it checks
   * out keep an `error` listener while held, so a dropped connection fails a query (a retryable
   * `PostgresError`) instead of crashing the process, and failures become `PostgresError`s.
   */
  readonly pool: PgPoolLike
  /**
   * Where pgforce opens the connections that need a session of their own: the LISTEN of
   * `PostgresNotifySource` and of pull requests between engines. The pool of
   * `postgres.sessionConnectionString` (a direct connection, past a transaction pooler) when
   * given, else {@link pool}. Guarded like `pool`.
   */
  readonly sessionPool: PgPoolLike
  /** Schema of the mapped tables and `_trigger_log`, e.g. `salesforce`. */
  readonly schema: string
  /**
   * What needs the app's attention about how this connection was made, e.g. a username–password
   * login that Salesforce retires (`USERNAME_PASSWORD_FLOW`). The first engine to use the
   * connection emits each as a `warning` event and logs it.
   */
  readonly warnings: readonly ConnectionWarning[]
  private readonly ownsSalesforce: boolean
  private readonly ownsPool: boolean
  private readonly ownsSessionPool: boolean
  private unreported: ConnectionWarning[]
  private closing: Promise<void> | undefined

  /** @internal Use `createConnection()`. */
  constructor(parts: ConnectionParts) {
    super()
    this.salesforce = parts.salesforce
    this.pool = guardPool(parts.pool)
    this.sessionPool = parts.sessionPool ? guardPool(parts.sessionPool) : this.pool
    this.schema = parts.schema
    this.ownsSalesforce = parts.ownsSalesforce
    this.ownsPool = parts.ownsPool
    this.ownsSessionPool = parts.sessionPool !== undefined && parts.ownsSessionPool === true
    this.warnings = parts.warnings ?? []
    this.unreported = [...this.warnings]
  }

  /** @internal The warnings no engine has reported yet; each is handed out once. */
  takeWarnings(): ConnectionWarning[] {
    const taken = this.unreported
    this.unreported = []
    return taken
  }

  /** Whether `close()` has been called. */
  get closed(): boolean {
    return this.closing !== undefined
  }

  /** Closes the Salesforce adapter and the pools if pgforce created them. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const closing: Promise<void>[] = []
      if (this.ownsSalesforce) closing.push(this.salesforce.close())
      if (this.ownsPool) closing.push(this.pool.end())
      if (this.ownsSessionPool) closing.push(this.sessionPool.end())
      await Promise.all(closing)
    })()
    return this.closing
  }

  /** `await using connection = await createConnection(...)` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }
}
