/**
 * The subset of node-postgres that pgforce uses, as structural types, so an app can hand over its
 * own `pg.Pool` (any compatible version) and tests can pass fakes.
 */

/** A query result: the rows and how many rows the statement touched. */
export interface QueryResultLike<R = Record<string, unknown>> {
  readonly rows: R[]
  readonly rowCount: number | null
}

/** A query as node-postgres takes it (text + parameters, optionally custom type parsers). */
export interface QueryConfigLike {
  readonly text: string
  readonly values?: readonly unknown[]
  readonly types?: { getTypeParser(oid: number, format?: string): unknown }
}

/** A checked-out connection (`pg.PoolClient`). */
export interface PgClientLike {
  query<R = Record<string, unknown>>(
    text: string,
    values?: readonly unknown[],
  ): Promise<QueryResultLike<R>>
  query<R = Record<string, unknown>>(config: QueryConfigLike): Promise<QueryResultLike<R>>
  release(error?: Error | boolean): void
}

/** A connection pool (`pg.Pool`). */
export interface PgPoolLike {
  query<R = Record<string, unknown>>(
    text: string,
    values?: readonly unknown[],
  ): Promise<QueryResultLike<R>>
  connect(): Promise<PgClientLike>
  end(): Promise<void>
}

/** A notification received by a LISTENing client. */
export interface NotificationLike {
  readonly channel: string
  readonly payload?: string | undefined
}

/** A checked-out client that can LISTEN (node-postgres `PoolClient` is one). */
export interface PgListenClientLike extends PgClientLike {
  on(event: 'notification', listener: (message: NotificationLike) => void): unknown
  on(event: 'error', listener: (error: Error) => void): unknown
  on(event: 'end', listener: () => void): unknown
  removeAllListeners(event?: string): unknown
}
