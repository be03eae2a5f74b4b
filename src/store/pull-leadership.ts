import format from 'pg-format'
import type { PgListenClientLike, PgPoolLike } from '../postgres/pg-pool-like.js'
import { pullRequestChannel } from './pull-requests.js'

type SessionClient = PgListenClientLike

/**
 * Decides which of several engines on one database pulls each mapping (docs/concepts/architecture.md): a
 * session-level Postgres advisory lock per mapping, held on one dedicated connection. Whoever
 * holds the lock pulls; the others skip pulls and try again now and then. A worker that dies
 * (or loses its connection) loses its locks with its session, so another takes over at its next
 * try. Pushes need no leader: they share the `_trigger_log` queue through `SKIP LOCKED`.
 * The same session LISTENs for other engines' requests to pull a mapping now (`requestPull()`).
 * @internal
 */
export class PullLeadership {
  private readonly pool: PgPoolLike
  private readonly schema: string
  private readonly onChange: (object: string, leader: boolean) => void
  private readonly onPullRequest: ((object: string) => void) | undefined
  private client: SessionClient | undefined
  private connecting: Promise<SessionClient> | undefined
  private readonly led = new Set<string>()
  private closed = false

  /**
   * @param onChange told when this engine takes or loses the lead of a mapping.
   * @param onPullRequest told when an engine asks for a pull of a mapping this engine leads.
   */
  constructor(
    pool: PgPoolLike,
    schema: string,
    onChange: (object: string, leader: boolean) => void,
    onPullRequest?: (object: string) => void,
  ) {
    this.pool = pool
    this.schema = schema
    this.onChange = onChange
    this.onPullRequest = onPullRequest
  }

  /** The mappings (objects) this engine pulls. */
  get leading(): ReadonlySet<string> {
    return this.led
  }

  /** Whether this engine pulls `object`: true when it holds the lock, or just took it. */
  async lead(object: string): Promise<boolean> {
    if (this.closed) return false
    if (this.led.has(object)) return true
    const client = await this.session()
    const { rows } = await client.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_lock(hashtext($1), hashtext($2)) AS locked',
      [`pgforce:${this.schema}`, `pull:${object.toLowerCase()}`],
    )
    if (rows[0]?.locked !== true || this.closed || client !== this.client) return false
    this.led.add(object)
    this.onChange(object, true)
    return true
  }

  /**
   * Gives up every lock (another engine takes over at its next try) and closes the connection,
   * rather than returning it to the pool with this class's listeners still on it.
   */
  async release(): Promise<void> {
    const client = this.client
    this.client = undefined
    this.connecting = undefined
    this.lost()
    if (!client) return
    await client.query('SELECT pg_advisory_unlock_all()').catch(() => {})
    client.release(true)
  }

  /** Releases everything and refuses to lead again. */
  async close(): Promise<void> {
    this.closed = true
    await this.release()
  }

  private session(): Promise<SessionClient> {
    if (this.client) return Promise.resolve(this.client)
    this.connecting ??= (async () => {
      const client = (await this.pool.connect()) as SessionClient
      const drop = (error?: Error) => {
        if (this.client !== client) return
        this.client = undefined
        this.connecting = undefined
        this.lost()
        client.release(error ?? true)
      }
      client.on('error', (error) => drop(error))
      client.on('end', () => drop())
      const requests = pullRequestChannel(this.schema)
      client.on('notification', (message) => {
        const object = message.payload
        if (message.channel === requests && object && this.led.has(object))
          this.onPullRequest?.(object)
      })
      try {
        await client.query(format('SET application_name = %L', `pgforce leader ${this.schema}`))
        if (this.onPullRequest) await client.query(format('LISTEN %I', requests))
      } catch (error) {
        // Not ours yet, so drop() ignores it: give it back here, or the pool never ends.
        client.release(error instanceof Error ? error : true)
        throw error
      }
      this.client = client
      return client
    })()
    this.connecting.catch(() => {
      this.connecting = undefined
    })
    return this.connecting
  }

  private lost(): void {
    for (const object of [...this.led]) {
      this.led.delete(object)
      this.onChange(object, false)
    }
  }
}
