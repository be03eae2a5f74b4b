import type { ConnectionOptions as TlsOptions } from 'node:tls'
import pg from 'pg'
import { OptionReader } from '../config/option-reader.js'
import { guardPool } from '../postgres/guarded-pool.js'
import type { PgPoolLike } from '../postgres/pg-pool-like.js'
import { assertSupportedNode } from '../salesforce/supported-node.js'
import { Connection } from './connection.js'
import {
  isPoolLike,
  isSalesforceAdapter,
  resolveSalesforce,
  type SalesforceOptions,
} from './resolve-salesforce.js'

/** Postgres settings for a pool pgforce creates. */
export interface PostgresPoolOptions {
  /** e.g. `postgres://user@host:5432/db`. */
  readonly connectionString: string
  /**
   * A direct connection (not through a transaction pooler) for the few things that need a session
   * of their own: the LISTEN that wakes pushes at once and the one that carries pull requests
   * between engines (at most 3 connections; `ssl` applies to it too). Give it when
   * `connectionString` goes through PgBouncer in transaction mode (Heroku Postgres' pooler and
   * many hosts'): without it, LISTEN receives nothing there, and pushes fall back to polling
   * the trigger log every second (docs/guides/running-in-production.md, "Behind a connection
   * pooler"). Leadership and fences need no session (lease rows).
   * @default connectionString
   */
  readonly sessionConnectionString?: string
  /** Most connections the pool opens. @default 10 */
  readonly max?: number
  /**
   * Passed to node-postgres as is (`true`, or TLS options). Spelled out rather than
   * `pg.PoolConfig['ssl']` so the published types do not need `@types/pg`.
   */
  readonly ssl?: boolean | TlsOptions
}

/** Options of {@link createConnection}. */
export interface ConnectionOptions {
  /**
   * The org: JWT bearer `{ loginUrl, clientId, username, privateKey }`, client credentials
   * `{ loginUrl, clientId, clientSecret, grant: 'client_credentials' }`, a token provider
   * `{ getAccessToken }`, `{ instanceUrl, accessToken }`, `{ loginUrl, username, password }`
   * (retiring; see docs/guides/authentication.md), an existing jsforce `Connection`, or any
   * `SalesforceAdapter` (e.g. `InMemorySalesforceAdapter` from `pgforce/testing`). The session of
   * a login is shared with the other workers through the database (`shareToken`). An adapter or
   * jsforce connection the app passes is not closed by `close()`.
   */
  readonly salesforce: SalesforceOptions
  /** The database: pool options, or an existing `pg.Pool` (not ended by `close()`). */
  readonly postgres: PostgresPoolOptions | PgPoolLike
  /** Schema of mapped tables and system tables. @default 'salesforce' */
  readonly schema?: string
}

const PLAIN_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/

/**
 * Validates options and connects pgforce to an org and a database. Throws `ConfigError` listing
 * every bad option before anything connects. Then it checks the database answers (a
 * `PostgresError` naming host and database when not) and logs in to Salesforce where the options
 * need it, so bad credentials fail fast with a `SalesforceApiError`.
 *
 * @example
 * ```ts
 * const connection = await createConnection({
 *   salesforce: { instanceUrl: 'https://acme.my.salesforce.com', accessToken },
 *   postgres: { connectionString: 'postgres://localhost/app' },
 * })
 * ```
 */
export async function createConnection(options: ConnectionOptions): Promise<Connection> {
  const read = new OptionReader('connection options')
  if (!read.object('options', options)) read.finish()
  const schema = options.schema ?? 'salesforce'
  if (typeof schema !== 'string' || !PLAIN_IDENTIFIER.test(schema)) {
    read.problem(
      'schema',
      'a lower-case identifier that needs no quoting (a-z, 0-9, _; at most 63 bytes, the longest Postgres keeps)',
      schema,
    )
  }
  const openPool = readPostgres(read, options.postgres)
  const openSalesforce = read.object('salesforce', options.salesforce)
    ? resolveSalesforce(read, options.salesforce)
    : undefined
  read.finish()
  // On a Node.js too old for jsforce, say so before anything connects.
  if (!isSalesforceAdapter(options.salesforce)) assertSupportedNode()

  const postgres = openPool()
  // Every client of a pool pgforce owns keeps an error listener for its whole life: a server that
  // drops a connection pgforce holds between statements must fail that connection's next
  // statement (the guard, guarded-pool.ts), never end the host process with an unhandled 'error'
  // event. A child worker died so once in CI, with every connection terminated twice.
  for (const pool of [postgres.pool, postgres.sessionPool])
    if (postgres.owned && pool)
      (pool as pg.Pool).on('connect', (client) => client.on('error', () => {}))
  try {
    // Fail fast, with where it tried, when the database cannot be reached.
    await guardPool(postgres.pool).query('SELECT 1')
    if (postgres.sessionPool) await guardPool(postgres.sessionPool).query('SELECT 1')
    const salesforce = await (openSalesforce as NonNullable<typeof openSalesforce>)({
      pool: guardPool(postgres.pool),
      schema,
    })
    const connection = new Connection({
      salesforce: salesforce.adapter,
      pool: postgres.pool,
      sessionPool: postgres.sessionPool,
      schema,
      ownsSalesforce: salesforce.owned,
      ownsPool: postgres.owned,
      ownsSessionPool: postgres.sessionPool !== undefined,
      warnings: salesforce.warnings,
    })
    for (const pool of [postgres.pool, postgres.sessionPool]) {
      if (postgres.owned && pool)
        (pool as pg.Pool).on('error', (error) => connection.emit('error', error))
    }
    return connection
  } catch (error) {
    if (postgres.owned) await postgres.pool.end().catch(() => {})
    await postgres.sessionPool?.end().catch(() => {})
    throw error
  }
}

type Opened<T> = { readonly pool: T; readonly owned: boolean; readonly sessionPool?: T }

function readPostgres(read: OptionReader, input: unknown): () => Opened<PgPoolLike> {
  if (isPoolLike(input)) return () => ({ pool: input, owned: false })
  const options = (read.object('postgres', input) ?? {}) as Partial<PostgresPoolOptions>
  const connectionString = read.string('postgres.connectionString', options.connectionString, {
    secret: true,
  })
  checkUrl(read, 'postgres.connectionString', connectionString)
  const sessionConnectionString =
    options.sessionConnectionString === undefined
      ? undefined
      : read.string('postgres.sessionConnectionString', options.sessionConnectionString, {
          secret: true,
        })
  checkUrl(read, 'postgres.sessionConnectionString', sessionConnectionString)
  const max = read.integer('postgres.max', options.max ?? 10, { min: 1, max: 1000 })
  return () => ({
    pool: new pg.Pool({ connectionString, max, ssl: options.ssl }),
    owned: true,
    ...(sessionConnectionString !== undefined && {
      sessionPool: new pg.Pool({
        connectionString: sessionConnectionString,
        max: 3,
        ssl: options.ssl,
      }),
    }),
  })
}

function checkUrl(read: OptionReader, name: string, url: string | undefined): void {
  // node-postgres reads anything else as a path relative to a host called "base".
  if (url !== undefined && !/^(postgres(ql)?:\/\/|socket:|\/)/.test(url))
    read.problemWithDescription(
      name,
      'a URL such as postgres://user@host:5432/database',
      'a string that is not a postgres:// URL',
    )
}
