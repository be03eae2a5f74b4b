import type {
  ChangeSignal,
  ChangeSource,
  ChangeSourceContext,
  SyncDirection,
} from './change-source.js'

/**
 * A base for {@link ChangeSource} implementations: idempotent, concurrency-safe `start`/`stop`,
 * timers that die with the source, and a `signal()` that is a no-op once stopped. Subclasses
 * implement {@link onStart} and optionally {@link onStop}.
 *
 * @example
 * ```ts
 * class EveryMinuteSource extends BaseChangeSource {
 *   readonly name = 'every-minute'
 *   readonly direction = 'pull'
 *   protected async onStart(context: ChangeSourceContext) {
 *     this.every(60_000, () => {
 *       for (const m of context.mappings) this.signal({ object: m.object, direction: 'pull', reason: 'poll' })
 *     })
 *   }
 * }
 * ```
 */
export abstract class BaseChangeSource implements ChangeSource {
  abstract readonly name: string
  abstract readonly direction: SyncDirection
  private context: ChangeSourceContext | undefined
  private starting: Promise<void> | undefined
  private readonly timers = new Set<NodeJS.Timeout>()

  /** Starts the source once; a second call returns the first call's promise. */
  start(context: ChangeSourceContext): Promise<void> {
    if (!this.starting) {
      this.context = context
      this.starting = this.onStart(context)
    }
    return this.starting
  }

  /** Stops timers, then calls {@link onStop}. Safe to call at any time, any number of times. */
  async stop(): Promise<void> {
    const wasStarting = this.starting
    this.starting = undefined
    this.context = undefined
    for (const timer of this.timers) clearInterval(timer)
    this.timers.clear()
    if (wasStarting) {
      await wasStarting.catch(() => {})
      await this.onStop()
    }
  }

  /** Whether the source has been started and not stopped. */
  protected get running(): boolean {
    return this.context !== undefined
  }

  /** Passes a signal to the engine while running; ignored after `stop()`. */
  protected signal(change: ChangeSignal): void {
    this.context?.signal(change)
  }

  /** Runs `fn` every `ms` until the source stops. The timer does not keep the process alive. */
  protected every(ms: number, fn: () => void): void {
    const timer = setInterval(fn, ms)
    timer.unref()
    this.timers.add(timer)
  }

  /** Called once by `start()`. */
  protected abstract onStart(context: ChangeSourceContext): Promise<void>

  /** Called once by `stop()` after a start; release connections here. */
  protected async onStop(): Promise<void> {}
}
