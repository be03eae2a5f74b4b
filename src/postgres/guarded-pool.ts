import type {
  NotificationLike,
  PgClientLike,
  PgListenClientLike,
  PgPoolLike,
  QueryConfigLike,
} from './pg-pool-like.js'
import { connectError, toPostgresError } from './postgres-errors.js'

/** Where a pool connects, for error messages (never the password). */
export interface PoolTarget {
  readonly host?: string | undefined
  readonly port?: number | undefined
  readonly database?: string | undefined
  readonly user?: string | undefined
}

/**
 * pgforce's view of a Postgres pool (its own, or the app's): every client it checks out has an
 * `error` listener for as long as pgforce holds it, so a connection the server drops (a restart,
 * `pg_terminate_backend`, a failover) becomes a failed query — a retryable `PostgresError`
 * (SQLSTATE 08006) — instead of an unhandled `'error'` event that ends the host process. A client
 * that broke is destroyed on release, never returned to the pool. Failures to connect become a
 * `PostgresError` naming host and database. See docs/concepts/delivery-guarantees.md.
 *
 * node-postgres' own `pool.query()` already guards the client it uses; the app's pool keeps its
 * own `error` listener for idle clients (pgforce adds one only to pools it creates).
 * @internal
 */
export function guardPool(pool: PgPoolLike, target: PoolTarget = poolTarget(pool)): PgPoolLike {
  if ((pool as { [GUARDED]?: true })[GUARDED]) return pool
  const guarded: PgPoolLike & { [GUARDED]: true } = {
    [GUARDED]: true,
    query: (async (text: string, values?: readonly unknown[]) => {
      try {
        return await pool.query(text, values)
      } catch (error) {
        throw toPostgresError(error, target)
      }
    }) as PgPoolLike['query'],
    connect: async () => {
      let client: PgClientLike
      try {
        client = await pool.connect()
      } catch (error) {
        throw connectError(error, target)
      }
      return guardClient(client, target)
    },
    end: () => pool.end(),
  }
  return guarded
}

const GUARDED = Symbol('pgforce.guarded')

/** A checked-out client with an `error` listener until it is released. */
function guardClient(client: PgClientLike, target: PoolTarget): PgListenClientLike {
  const events = client as Partial<PgListenClientLike> & {
    removeListener?: (event: string, listener: (...args: never[]) => void) => unknown
  }
  let broken: Error | undefined
  let released = false
  const onError = (error: Error) => {
    broken ??= error
  }
  const guard = () => events.on?.('error', onError)
  guard()
  const query = async (text: string | QueryConfigLike, values?: readonly unknown[]) => {
    if (broken) throw toPostgresError(broken, target, true)
    try {
      return await (typeof text === 'string' ? client.query(text, values) : client.query(text))
    } catch (error) {
      throw toPostgresError(error, target, broken !== undefined)
    }
  }
  return {
    query: query as PgListenClientLike['query'],
    release(error?: Error | boolean) {
      if (released) return
      released = true
      events.removeListener?.('error', onError)
      const destroy = broken ?? error
      // A destroyed client's socket may still report an error after release: keep it quiet.
      if (destroy) events.on?.('error', () => {})
      client.release(destroy || undefined)
    },
    on(event: string, listener: (...args: never[]) => void) {
      events.on?.(event as 'error', listener as (error: Error) => void)
      return this
    },
    removeAllListeners(event?: string) {
      events.removeAllListeners?.(event)
      if (event === undefined || event === 'error') guard()
      return this
    },
  } as PgListenClientLike & { on(event: 'notification', l: (m: NotificationLike) => void): unknown }
}

/** Host, port, database and user of a `pg.Pool` (or anything with node-postgres' `options`). */
export function poolTarget(pool: unknown): PoolTarget {
  const options = (pool as { options?: Record<string, unknown> } | null)?.options ?? {}
  const fromUrl = parseConnectionString(options.connectionString)
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined)
  const port = Number(options.port ?? fromUrl.port)
  return {
    host: text(options.host) ?? fromUrl.host,
    port: Number.isFinite(port) && port > 0 ? port : undefined,
    database: text(options.database) ?? fromUrl.database,
    user: text(options.user) ?? fromUrl.user,
  }
}

function parseConnectionString(value: unknown): PoolTarget {
  if (typeof value !== 'string') return {}
  try {
    const url = new URL(value)
    return {
      host: url.hostname || undefined,
      port: url.port ? Number(url.port) : undefined,
      database: decodeURIComponent(url.pathname.replace(/^\//, '')) || undefined,
      user: decodeURIComponent(url.username) || undefined,
    }
  } catch {
    return {}
  }
}
