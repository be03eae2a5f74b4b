import { OptionReader } from '../config/option-reader.js'
import { PostgresError } from '../errors/postgres-error.js'
import { triggerLogChannel } from '../postgres/install/system-tables-sql.js'
import { type ListenerState, NotificationListener } from '../postgres/notification-listener.js'
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
  /**
   * After subscribing, and every `probeIntervalMs`, a probe notification must come back within
   * this long, or LISTEN is taken as deaf (a transaction pooler) and the trigger log is polled.
   * @default 2000
   */
  readonly probeTimeoutMs?: number
  /** How often a working LISTEN proves again that it receives. @default 60 000 */
  readonly probeIntervalMs?: number
  /**
   * While LISTEN does not work (deaf behind a pooler, or reconnecting), a push runs this often
   * (it reads the trigger log; an empty one costs one query). @default 1000
   */
  readonly fallbackPollMs?: number
}

/**
 * Wakes the push as soon as the app commits a change: one dedicated connection LISTENs on the
 * channel the trigger log notifies (`<schema>.hc_trigger_log`). A notification is a latency hint:
 * the push reads the trigger log itself.
 *
 * The LISTEN is checked: after subscribing, and every `probeIntervalMs`, a probe notification
 * sent through the engine's pool must come back. Behind a transaction pooler (PgBouncer in
 * transaction mode) LISTEN silently receives nothing; the source then says so once (a
 * `source:reconnecting` event, logged as a warning), polls the trigger log every `fallbackPollMs`,
 * and tries a new LISTEN now and then until one works (docs/guides/change-sources.md, "Behind a
 * connection pooler"). LISTEN runs on `connection.sessionPool`: give it a direct connection with
 * `postgres.sessionConnectionString`. When the connection drops, it is re-opened with backoff and
 * a catch-up push is signalled. Pair it with `PostgresPollingSource` (the default sources do).
 */
export class PostgresNotifySource extends BaseChangeSource {
  readonly name = 'postgres-notify'
  readonly direction = 'push' as const
  readonly listensToTriggerLog = true
  private readonly debounceMs: number
  private readonly reconnectDelayMs: number
  private readonly probeTimeoutMs: number
  private readonly probeIntervalMs: number
  private readonly fallbackPollMs: number
  private listener: NotificationListener | undefined
  private debounce: NodeJS.Timeout | undefined
  private fallback: NodeJS.Timeout | undefined

  constructor(options: PostgresNotifySourceOptions = {}) {
    super()
    const read = new OptionReader('PostgresNotifySource options')
    this.debounceMs =
      read.integer('debounceMs', options.debounceMs ?? 5, { min: 0, max: 10_000 }) ?? 5
    this.reconnectDelayMs =
      read.integer('reconnectDelayMs', options.reconnectDelayMs ?? 200, { min: 1 }) ?? 200
    this.probeTimeoutMs =
      read.integer('probeTimeoutMs', options.probeTimeoutMs ?? 2_000, { min: 10 }) ?? 2_000
    this.probeIntervalMs =
      read.integer('probeIntervalMs', options.probeIntervalMs ?? 60_000, { min: 100 }) ?? 60_000
    this.fallbackPollMs =
      read.integer('fallbackPollMs', options.fallbackPollMs ?? 1_000, { min: 10 }) ?? 1_000
    read.finish()
  }

  /** Whether the LISTEN connection is open (for status and tests). */
  get listening(): boolean {
    return this.listener?.connected === true
  }

  /**
   * Whether LISTEN is known to receive nothing (its probe did not come back): the engine then stops
   * saying it LISTENs (docs/concepts/design.md §5, "The doorbell").
   */
  get deaf(): boolean {
    return this.listener?.state === 'deaf'
  }

  /** Whether LISTEN is proven to receive: the last probe came back (for status and tests). */
  get receiving(): boolean {
    return this.listener?.state === 'receiving'
  }

  protected async onStart(context: ChangeSourceContext): Promise<void> {
    const { connection } = context
    const target = triggerLogChannel(connection.schema)
    let first = true
    let said: ListenerState | undefined
    const listener = new NotificationListener({
      pool: connection.sessionPool,
      probePool: connection.pool,
      channel: target,
      probeTimeoutMs: this.probeTimeoutMs,
      probeIntervalMs: this.probeIntervalMs,
      reconnectDelayMs: this.reconnectDelayMs,
      onNotification: () => this.notified(context),
      onState: (state, reason) => {
        if (!this.running) return
        const reconnected = !first
        first = false
        if (state === 'receiving') {
          this.fallBack(context, false)
          said = state
          context.reportConnection({ source: this.name, state: 'connected', target })
          this.signalAll(context, reconnected ? 'reconnect' : 'startup')
          return
        }
        this.fallBack(context, true)
        // Deaf is said once, until LISTEN works again; each reconnect attempt is reported.
        if (state === 'deaf' && said === 'deaf') return
        said = state
        context.reportConnection({
          source: this.name,
          state: 'reconnecting',
          target,
          reason: state === 'deaf' ? deafness(reason, this.fallbackPollMs) : reason,
        })
      },
    })
    this.listener = listener
    // Until a probe comes back, the trigger log is polled too (a few ms on a direct connection).
    this.fallBack(context, true)
    await listener.start()
  }

  protected override async onStop(): Promise<void> {
    clearTimeout(this.debounce)
    clearInterval(this.fallback)
    this.fallback = undefined
    this.listener?.stop()
    this.listener = undefined
  }

  /** Polls the trigger log (`on`) while LISTEN does not work, or stops polling. */
  private fallBack(context: ChangeSourceContext, on: boolean): void {
    if (!on) {
      clearInterval(this.fallback)
      this.fallback = undefined
      return
    }
    if (this.fallback) return
    this.fallback = setInterval(() => {
      if (this.running) this.signalAll(context, 'poll')
    }, this.fallbackPollMs)
    this.fallback.unref()
  }

  private notified(context: ChangeSourceContext): void {
    if (this.debounce) return
    this.debounce = setTimeout(() => {
      this.debounce = undefined
      this.signalAll(context, 'notify')
    }, this.debounceMs)
  }

  private signalAll(context: ChangeSourceContext, reason: ChangeReason): void {
    for (const mapping of context.mappings) {
      if (mapping.access === 'read_write')
        this.signal({ object: mapping.object, direction: 'push', reason })
    }
  }
}

function deafness(reason: PostgresError | undefined, fallbackPollMs: number): PostgresError {
  return new PostgresError(
    `${reason?.message ?? 'LISTEN receives nothing'}. Pushes poll the trigger log every ${fallbackPollMs} ms until a LISTEN works; give LISTEN a direct connection with postgres.sessionConnectionString (docs/guides/running-in-production.md, "Behind a connection pooler")`,
    { sqlState: reason?.sqlState, cause: reason },
  )
}
