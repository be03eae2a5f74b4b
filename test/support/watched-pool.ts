import type pg from 'pg'
import { Connection } from '../../src/connection/connection.js'
import type { PgPoolLike } from '../../src/postgres/pg-pool-like.js'

/** A statement answered through a watched pool, and what it returned. */
export interface WatchedQuery {
  readonly text: string
  readonly rows: readonly Record<string, unknown>[]
}

type Queryable = { query(...args: unknown[]): unknown }

/**
 * `connection`, but over a pool that reports every statement answered through it (on the pool or
 * on a client checked out of it) to `seen`. An engine on it can be watched *asking* something —
 * "b tried to take the lead and was refused", "the pull is waiting at the fence" — so a test waits
 * for that event instead of for time to pass. Same database, schema and Salesforce adapter;
 * closing it closes nothing.
 */
export function watchedConnection(
  connection: Connection,
  pool: pg.Pool,
  seen: (query: WatchedQuery) => void,
): Connection {
  return new Connection({
    salesforce: connection.salesforce,
    pool: watchQueries(pool, seen),
    schema: connection.schema,
    ownsSalesforce: false,
    ownsPool: false,
  })
}

function watchQueries(pool: pg.Pool, seen: (query: WatchedQuery) => void): PgPoolLike {
  const watched =
    (target: Queryable) =>
    (...args: unknown[]): unknown => {
      const answer = target.query(...args)
      if (!isPromise(answer)) return answer
      return answer.then((result) => {
        const first = args[0] as string | { text?: string }
        const text = typeof first === 'string' ? first : (first?.text ?? '')
        seen({ text, rows: (result as { rows?: Record<string, unknown>[] }).rows ?? [] })
        return result
      })
    }
  const client = (checkedOut: pg.PoolClient) =>
    new Proxy(checkedOut, {
      get(target, key) {
        if (key === 'query') return watched(target as unknown as Queryable)
        const value = Reflect.get(target, key, target)
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
  return {
    query: watched(pool as unknown as Queryable),
    connect: async () => client(await pool.connect()),
    end: async () => {},
  } as PgPoolLike
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function'
}
