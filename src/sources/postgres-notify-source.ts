import format from 'pg-format'
import { OptionReader } from '../config/option-reader.js'
import { PostgresError } from '../errors/postgres-error.js'
import { triggerLogChannel } from '../postgres/install/system-tables-sql.js'
import type { PgListenClientLike } from '../postgres/pg-pool-like.js'
import { BaseChangeSource } from './base-change-source.js'
import type { ChangeReason, ChangeSourceContext } from './change-source.js'

/** Options of {@link PostgresNotifySource}. */
export interface PostgresNotifySourceOptions {
  /**
   * Wait this long after a notification for more before signalling, so a burst of writes is one
   * push, not hundreds. @default 5
   */
  readonly debounceMs?: number
  /** First delay before re-opening a lost LISTEN connection; doubles up to 30 s. @default 200 */
  readonly reconnectDelayMs?: number
}

/**
 * Wakes the push as soon as the app commits a change: one dedicated connection LISTENs on the
 * channel the trigger log notifies (`<schema>.hc_trigger_log`). A notification is a latency hint:
 * the push reads the trigger log itself. When the connection drops, it is re-opened with backoff
 * and a catch-up push is signalled, since notifications sent meanwhile are lost. Pair it with
 * `PostgresPollingSource` (the engine's default sources do).
 */
export class PostgresNotifySource extends BaseChangeSource {
  readonly name = 'postgres-notify'
  readonly direction = 'push' as const
  private readonly debounceMs: number
  private readonly reconnectDelayMs: number
  private client: PgListenClientLike | undefined
  private debounce: NodeJS.Timeout | undefined
  private reconnect: NodeJS.Timeout | undefined

  constructor(options: PostgresNotifySourceOptions = {}) {
    super()
    const read = new OptionReader('PostgresNotifySource options')
    this.debounceMs =
      read.integer('debounceMs', options.debounceMs ?? 5, { min: 0, max: 10_000 }) ?? 5
    this.reconnectDelayMs =
      read.integer('reconnectDelayMs', options.reconnectDelayMs ?? 200, { min: 1 }) ?? 200
    read.finish()
  }

  /** Whether the LISTEN connection is open (for status and tests). */
  get listening(): boolean {
    return this.client !== undefined
  }

  protected async onStart(context: ChangeSourceContext): Promise<void> {
    await this.listen(context, 'startup', 0)
  }

  protected override async onStop(): Promise<void> {
    clearTimeout(this.debounce)
    clearTimeout(this.reconnect)
    this.drop()
  }

  private async listen(
    context: ChangeSourceContext,
    reason: ChangeReason,
    attempt: number,
  ): Promise<void> {
    const { connection } = context
    let client: PgListenClientLike | undefined
    try {
      client = (await connection.pool.connect()) as PgListenClientLike
      client.on('notification', () => this.notified(context))
      client.on('error', (error) => this.lost(context, error))
      client.on('end', () =>
        this.lost(context, new PostgresError('LISTEN connection ended', { sqlState: '08006' })),
      )
      await client.query(format('LISTEN %I', triggerLogChannel(connection.schema)))
      if (!this.running) {
        release(client)
        return
      }
      this.client = client
      context.reportConnection({
        source: this.name,
        state: 'connected',
        target: triggerLogChannel(connection.schema),
      })
      this.signalAll(context, reason)
    } catch (error) {
      // A connection that failed before it listened is not ours yet: give it back, or the pool
      // keeps it checked out for good (and never ends).
      if (client && client !== this.client) release(client, toPgforceError(error))
      if (attempt === 0) throw error
      this.lost(context, toPgforceError(error), attempt)
    }
  }

  private notified(context: ChangeSourceContext): void {
    if (this.debounce) return
    this.debounce = setTimeout(() => {
      this.debounce = undefined
      this.signalAll(context, 'notify')
    }, this.debounceMs)
  }

  private lost(context: ChangeSourceContext, error: Error, attempt = 0): void {
    if (!this.running) return
    this.drop(error)
    context.reportConnection({
      source: this.name,
      state: 'reconnecting',
      target: triggerLogChannel(context.connection.schema),
      reason: error,
    })
    clearTimeout(this.reconnect)
    const delay = Math.min(30_000, this.reconnectDelayMs * 2 ** attempt)
    this.reconnect = setTimeout(() => void this.listen(context, 'reconnect', attempt + 1), delay)
    this.reconnect.unref()
  }

  private drop(error?: Error): void {
    const client = this.client
    this.client = undefined
    if (client) release(client, error)
  }

  private signalAll(context: ChangeSourceContext, reason: ChangeReason): void {
    for (const mapping of context.mappings) {
      if (mapping.access === 'read_write')
        this.signal({ object: mapping.object, direction: 'push', reason })
    }
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

function toPgforceError(error: unknown): PostgresError {
  if (error instanceof PostgresError) return error
  const code = (error as { code?: unknown } | null)?.code
  return new PostgresError(
    `LISTEN connection failed: ${error instanceof Error ? error.message : String(error)}`,
    {
      cause: error,
      sqlState: typeof code === 'string' ? code : undefined,
    },
  )
}
