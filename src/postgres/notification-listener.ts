import { randomUUID } from 'node:crypto'
import format from 'pg-format'
import { PostgresError } from '../errors/postgres-error.js'
import type { PgListenClientLike, PgPoolLike } from './pg-pool-like.js'

/** The payload prefix of a probe notification; listeners ignore such notifications. */
export const PROBE_PREFIX = 'pgforce-probe:'

/**
 * `receiving`: LISTEN runs and (with probes) a probe came back. `deaf`: LISTEN ran but no probe
 * came back within the bound, e.g. a transaction pooler gave its server connection to someone
 * else. `reconnecting`: the connection failed; it is re-opened with backoff.
 * @internal
 */
export type ListenerState = 'receiving' | 'deaf' | 'reconnecting'

/** Options of {@link NotificationListener}. @internal */
export interface NotificationListenerOptions {
  /** Where LISTEN runs: it needs a session of its own (a direct connection). */
  readonly pool: PgPoolLike
  /** Where probes are sent from (any connection, pooled or not); none: no probes. */
  readonly probePool?: PgPoolLike
  readonly channel: string
  /** A notification on the channel (probes excluded). */
  readonly onNotification: (payload: string | undefined) => void
  /** Told at each change of state (`reason` says why it is not receiving). */
  readonly onState: (state: ListenerState, reason?: PostgresError) => void
  /** How long a probe may take to come back. @default 2000 */
  readonly probeTimeoutMs?: number
  /** How often a receiving listener proves it still receives. @default 60 000 */
  readonly probeIntervalMs?: number
  /** First delay before re-opening a lost connection; doubles up to 30 s. @default 200 */
  readonly reconnectDelayMs?: number
  readonly applicationName?: string
}

/**
 * A LISTEN that is checked (docs/guides/change-sources.md, "Behind a connection pooler"): one
 * connection LISTENs on a channel; after subscribing, and every `probeIntervalMs`, a probe
 * `NOTIFY` sent from another connection must come back within `probeTimeoutMs`. Behind a
 * transaction pooler LISTEN runs on a server connection that is someone else's a moment later,
 * and nothing arrives: the probe finds that out, and the listener says `deaf` and tries again
 * on a new connection now and then (at most every 30 s) until a probe comes back.
 * @internal
 */
export class NotificationListener {
  private readonly options: NotificationListenerOptions
  private readonly probeTimeoutMs: number
  private readonly probeIntervalMs: number
  private readonly reconnectDelayMs: number
  private client: PgListenClientLike | undefined
  private timer: NodeJS.Timeout | undefined
  private readonly probes = new Map<string, () => void>()
  private current: ListenerState | undefined
  private pid: number | undefined
  private stopped = false
  private keepTrying = false

  constructor(options: NotificationListenerOptions) {
    this.options = options
    this.probeTimeoutMs = options.probeTimeoutMs ?? 2_000
    this.probeIntervalMs = options.probeIntervalMs ?? 60_000
    this.reconnectDelayMs = options.reconnectDelayMs ?? 200
  }

  /** The state now (undefined before `start()` finished). */
  get state(): ListenerState | undefined {
    return this.current
  }

  /**
   * The server process of the LISTEN connection while it is proven to receive (then it is a
   * session of its own: it ends when this process dies or its connection drops).
   */
  get sessionPid(): number | undefined {
    return this.current === 'receiving' && this.options.probePool ? this.pid : undefined
  }

  /** Whether a LISTEN connection is open (receiving or not). */
  get connected(): boolean {
    return this.client !== undefined
  }

  /**
   * Opens the connection and LISTENs; the probe then runs in the background and sets the state.
   * Throws when the first connection fails, unless `keepTrying`: then it is re-opened with
   * backoff (state `reconnecting`), as a connection lost later is. A deaf listener does not throw
   * (its state says so, and it keeps trying).
   */
  async start(options: { readonly keepTrying?: boolean } = {}): Promise<void> {
    this.stopped = false
    this.keepTrying = options.keepTrying ?? false
    await this.connect(0)
  }

  /** Closes the connection and stops every timer. */
  stop(): void {
    this.stopped = true
    clearTimeout(this.timer)
    for (const resolve of this.probes.values()) resolve()
    this.probes.clear()
    this.drop()
  }

  private async connect(attempt: number): Promise<void> {
    let client: PgListenClientLike | undefined
    try {
      client = (await this.options.pool.connect()) as PgListenClientLike
      const opened = client
      client.on('notification', (message) => {
        if (message.channel !== this.options.channel || this.client !== opened) return
        const payload = message.payload
        if (payload?.startsWith(PROBE_PREFIX)) this.probes.get(payload)?.()
        else this.options.onNotification(payload)
      })
      client.on('error', (error) => this.lost(opened, toPostgresError(error)))
      client.on('end', () =>
        this.lost(opened, new PostgresError('LISTEN connection ended', { sqlState: '08006' })),
      )
      if (this.options.applicationName)
        await client.query(format('SET application_name = %L', this.options.applicationName))
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
      this.pid = rows[0]?.pid
      // Last, so the server shows the connection as `LISTEN …` (what an operator looks for).
      await client.query(format('LISTEN %I', this.options.channel))
      if (this.stopped) {
        release(client)
        return
      }
      this.client = client
    } catch (error) {
      // A connection that failed before it listened is not ours yet: give it back, or the pool
      // keeps it checked out for good (and never ends).
      if (client && client !== this.client) release(client, toPostgresError(error))
      if (attempt === 0 && !this.keepTrying) throw toPostgresError(error)
      // Stopped meanwhile: its owner no longer wants to hear of it.
      if (!this.stopped) this.reopen(toPostgresError(error), attempt)
      return
    }
    // Notifications arrive from here on when the connection is a session; the probe finds out.
    void this.check()
  }

  /** Probes (when it can) and sets the state and the next timer from the answer. */
  private async check(): Promise<void> {
    const client = this.client
    if (!client || this.stopped) return
    const heard = await this.probe()
    if (this.stopped || client !== this.client) return
    clearTimeout(this.timer)
    if (heard) {
      this.set('receiving')
      if (this.options.probePool) this.schedule(() => void this.check(), this.probeIntervalMs)
      return
    }
    this.set(
      'deaf',
      new PostgresError(
        `LISTEN ${this.options.channel} received no probe notification within ${this.probeTimeoutMs} ms: its connection is not a session of its own (a transaction pooler such as PgBouncer?)`,
        { sqlState: '08000' },
      ),
    )
    // A new connection may land on a session (the pooler's mode changed, a direct route back).
    this.drop()
    this.schedule(() => void this.connect(1), Math.min(30_000, this.probeIntervalMs))
  }

  private async probe(): Promise<boolean> {
    const sender = this.options.probePool
    if (!sender) return true
    const token = `${PROBE_PREFIX}${randomUUID()}`
    let timeout: NodeJS.Timeout | undefined
    const heard = new Promise<boolean>((resolve) => {
      this.probes.set(token, () => resolve(!this.stopped))
      timeout = setTimeout(() => resolve(false), this.probeTimeoutMs)
      timeout.unref()
    })
    try {
      await sender.query('SELECT pg_notify($1, $2)', [this.options.channel, token])
      return await heard
    } catch {
      return false
    } finally {
      clearTimeout(timeout)
      this.probes.delete(token)
    }
  }

  private lost(client: PgListenClientLike, error: PostgresError): void {
    if (this.stopped || client !== this.client) return
    this.drop(error)
    this.reopen(error, 0)
  }

  private reopen(error: PostgresError, attempt: number): void {
    this.set('reconnecting', error)
    clearTimeout(this.timer)
    const delay = Math.min(30_000, this.reconnectDelayMs * 2 ** attempt)
    this.schedule(() => void this.connect(attempt + 1), delay)
  }

  private set(state: ListenerState, reason?: PostgresError): void {
    if (state === this.current && state !== 'reconnecting') return
    this.current = state
    this.options.onState(state, reason)
  }

  private schedule(fn: () => void, ms: number): void {
    clearTimeout(this.timer)
    this.timer = setTimeout(fn, ms)
    this.timer.unref()
  }

  private drop(error?: Error): void {
    const client = this.client
    this.client = undefined
    if (client) release(client, error)
  }
}

function release(client: PgListenClientLike, error?: Error): void {
  client.removeAllListeners('notification')
  client.removeAllListeners('end')
  // Keep an error listener: a dead socket may still emit one after release.
  client.removeAllListeners('error')
  client.on('error', () => {})
  client.release(error ?? true)
}

function toPostgresError(error: unknown): PostgresError {
  if (error instanceof PostgresError) return error
  const code = (error as { code?: unknown } | null)?.code
  return new PostgresError(
    `LISTEN connection failed: ${error instanceof Error ? error.message : String(error)}`,
    { cause: error, sqlState: typeof code === 'string' ? code : undefined },
  )
}
