import format from 'pg-format'
import type { PgClientLike, PgPoolLike } from '../../postgres/pg-pool-like.js'
import { toPostgresError } from '../../postgres/postgres-errors.js'
import type { IdentifiedSession, SessionSource } from './salesforce-session.js'
import type { TokenSeal } from './token-seal.js'

/** The database a connection shares its session through. @internal */
export interface TokenSharing {
  readonly pool: PgPoolLike
  readonly schema: string
}

/**
 * One Salesforce session per login, shared by every worker on the database through
 * `_pgforce_token` (one encrypted row per login identity): a worker takes the stored session; the
 * first one, and the one that meets an expired session, logs in under a transaction-scoped
 * advisory lock, so the others wait and then reuse its session instead of logging in too. A
 * worker whose session was refused logs in only if the stored one is still that session (another
 * worker may have renewed it meanwhile). Transaction-scoped locks hold behind a transaction
 * pooler. Before `install()` created the table, each worker logs in on its own, and so does a
 * worker whose pool has no connection free within `connectTimeoutMs` (its connections may all be
 * waiting on Salesforce calls that wait for this very renewal).
 * See docs/guides/authentication.md, "One token for all workers". @internal
 */
export class SharedTokenSource implements SessionSource {
  private readonly sharing: TokenSharing
  private readonly key: string
  private readonly seal: TokenSeal
  private readonly login: () => Promise<IdentifiedSession>
  private readonly connectTimeoutMs: number
  private tableExists = false

  constructor(
    sharing: TokenSharing,
    key: string,
    seal: TokenSeal,
    login: () => Promise<IdentifiedSession>,
    connectTimeoutMs = 5_000,
  ) {
    this.sharing = sharing
    this.key = key
    this.seal = seal
    this.login = login
    this.connectTimeoutMs = connectTimeoutMs
  }

  async current(): Promise<IdentifiedSession> {
    if (!(await this.installed())) return this.login()
    const { rows } = await this.sharing.pool
      .query<{ sealed: Buffer }>(
        format('SELECT sealed FROM %I._pgforce_token WHERE key = $1', this.sharing.schema),
        [this.key],
      )
      .catch((error: unknown) => {
        throw toPostgresError(error)
      })
    const stored = rows[0] ? this.seal.open(rows[0].sealed) : undefined
    return stored ?? this.renew(undefined)
  }

  async renew(stale: string | undefined): Promise<IdentifiedSession> {
    if (!(await this.installed())) return this.login()
    const client = await this.connectWithin()
    if (!client) return this.login()
    let broken: Error | undefined
    try {
      await this.query(client, 'BEGIN')
      await this.query(client, 'SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', [
        'pgforce.token',
        this.key,
      ])
      const { rows } = await this.query<{ sealed: Buffer }>(
        client,
        format('SELECT sealed FROM %I._pgforce_token WHERE key = $1', this.sharing.schema),
        [this.key],
      )
      const stored = rows[0] ? this.seal.open(rows[0].sealed) : undefined
      if (stored && stored.accessToken !== stale) {
        await this.query(client, 'COMMIT')
        return stored
      }
      const fresh = await this.login()
      await this.query(
        client,
        format(
          `INSERT INTO %I._pgforce_token AS t (key, sealed) VALUES ($1, $2)
           ON CONFLICT (key) DO UPDATE
             SET sealed = excluded.sealed, logins = t.logins + 1, refreshed_at = now()`,
          this.sharing.schema,
        ),
        [this.key, this.seal.seal(fresh)],
      )
      await this.query(client, 'COMMIT')
      return fresh
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: unknown) => {
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError))
      })
      throw error
    } finally {
      client.release(broken)
    }
  }

  /** A pool client, or `undefined` when none is free in time (a late one is released at once). */
  private async connectWithin(): Promise<PgClientLike | undefined> {
    const connecting = this.sharing.pool.connect()
    let timer: ReturnType<typeof setTimeout> | undefined
    const timedOut = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.connectTimeoutMs)
    })
    const client = await Promise.race([connecting, timedOut]).finally(() => clearTimeout(timer))
    if (!client)
      connecting.then(
        (late) => late.release(),
        () => {},
      )
    return client
  }

  /** Whether `_pgforce_token` exists yet (before `install()` it does not). */
  private async installed(): Promise<boolean> {
    if (this.tableExists) return true
    const { rows } = await this.sharing.pool
      .query<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS exists', [
        format('%I._pgforce_token', this.sharing.schema),
      ])
      .catch((error: unknown) => {
        throw toPostgresError(error)
      })
    this.tableExists = rows[0]?.exists === true
    return this.tableExists
  }

  private async query<R = Record<string, unknown>>(
    client: PgClientLike,
    text: string,
    values?: readonly unknown[],
  ) {
    try {
      return await client.query<R>(text, values)
    } catch (error) {
      throw toPostgresError(error)
    }
  }
}
