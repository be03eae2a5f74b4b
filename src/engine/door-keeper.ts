import type { Doorbell, Renewal } from '../store/doorbell.js'
import { DOOR_HOLD_MS } from '../store/doorbell.js'

/** Options of {@link DoorKeeper}. @internal */
export interface DoorKeeperOptions {
  /** The schema's doorbell (`hold()` / `release()`). */
  readonly doorbell: Pick<Doorbell, 'hold' | 'release' | 'renew'>
  /** Asks for a push of every read/write mapping (an error it throws is reported, not thrown). */
  readonly pushAll: () => void
  /** A hold or release that failed (the engine reports it as an `error` event). */
  readonly onError: (error: unknown) => void
  /** How long a hold lasts unless refreshed. @default 30 000 */
  readonly holdMs?: number
  /** A held door is refreshed by a push that sends something at most this often. @default 10 000 */
  readonly refreshMs?: number
  /** First delay before trying again to reopen a door writers still hold; doubles. @default 100 */
  readonly retryMs?: number
  /** Longest delay between tries. @default 500 */
  readonly maxRetryMs?: number
  /**
   * Whether this engine's LISTEN may hear notifications: false while it is known deaf (behind a
   * transaction pooler). It then stops saying it LISTENs, so app writes stop paying for
   * notifications nobody hears, and checks again every second. @default always true
   */
  readonly listening?: () => boolean
  /** How long `close()` tries to reopen the door with its lock before it does without. @default 1 000 */
  readonly closeMs?: number
  /**
   * From `start()`, held door or not, this engine renews its word that it LISTENs this often (it
   * lasts `LISTENING_MS`, 30 s). @default 10 000
   */
  readonly renewMs?: number
}

/**
 * The engine's side of the trigger log's doorbell (docs/concepts/design.md §5, "The doorbell"):
 * while pushes find changes, it holds the door, so app writes skip their `pg_notify`, and since
 * nobody rings meanwhile it asks for pushes of every mapping itself after each push that sent
 * something. When every mapping's latest push found nothing it reopens the door; that succeeds
 * only once every writer that skipped the notify has committed (else it tries again after
 * `retryMs`, pushing meanwhile, never waiting on the app), and is followed by one more push of
 * every mapping, which sees their changes. Started as if holding: a door an engine left held (it
 * stopped or died) is reopened by the first push that finds nothing. From `start()` (once the
 * engine LISTENs) it renews, every `renewMs`, its word that it LISTENs (writers notify only while
 * an engine's word lasts); a renewal that finds the word had run out, so writers may have skipped
 * the notify, is followed by a push of every mapping. @internal
 */
export class DoorKeeper {
  private readonly options: DoorKeeperOptions
  private readonly holdMs: number
  private readonly refreshMs: number
  private readonly retryMs: number
  private readonly maxRetryMs: number
  private readonly renewMs: number
  private readonly closeMs: number
  /** The next renewal of this engine's word that it LISTENs, from `start()`. */
  private renewal: NodeJS.Timeout | undefined
  private renewing = false
  /** Mappings whose latest push sent something: the door stays held until none is left. */
  private readonly busy = new Set<string>()
  private holding = true
  /** When this engine last held the door (0: never, or it may have expired). */
  private heldAt = 0
  private retryDelay: number
  private retry: NodeJS.Timeout | undefined
  /** Holds and releases, one at a time. */
  private chain: Promise<void> = Promise.resolve()
  private closed = false

  constructor(options: DoorKeeperOptions) {
    this.options = options
    this.holdMs = options.holdMs ?? DOOR_HOLD_MS
    this.refreshMs = options.refreshMs ?? 10_000
    this.retryMs = options.retryMs ?? 100
    this.maxRetryMs = options.maxRetryMs ?? 500
    this.renewMs = options.renewMs ?? 10_000
    this.closeMs = options.closeMs ?? 1_000
    this.retryDelay = this.retryMs
  }

  /** Whether this engine holds the door, as far as it knows (for status and tests). */
  get held(): boolean {
    return this.holding
  }

  /**
   * The engine LISTENs now: says so at once (writers notify while an engine's word lasts), and
   * renews it every `renewMs` until `stopRenewing()` or `close()`.
   */
  start(): void {
    this.renewing = true
    this.renewLater(0)
  }

  /** Before a push: one asked for by a notification starts a drain, so the door is held now. */
  beforePush(reasons: readonly string[]): Promise<void> {
    return reasons.includes('notify') ? this.hold() : Promise.resolve()
  }

  /**
   * A push's round is about to send entries: the door is held (refreshed at most every
   * `refreshMs`), so a push that started for any reason and keeps finding changes while the app
   * writes stops their notifies from its first round, not after it ends.
   */
  sending(): void {
    if (this.closed) return
    void this.hold()
  }

  /** After a push of `object` that did not throw and sent `sent` entries. */
  async afterPush(object: string, sent: number): Promise<void> {
    if (this.closed) return
    if (sent > 0) {
      this.busy.add(object)
      await this.hold()
      // Writers do not ring while the door is held: keep draining every mapping.
      this.pushAll()
      return
    }
    await this.idle(object)
  }

  /**
   * After a push of `object` that threw: it no longer keeps the door held (its retry comes from
   * the engine's backoff), or one mapping that keeps failing would keep every other mapping's
   * writes from ringing, each hold after the last.
   */
  async pushFailed(object: string): Promise<void> {
    if (this.closed) return
    await this.idle(object)
  }

  /**
   * Stops trying; reopens the door and rings the other engines, so writers ring them at once
   * rather than after the hold runs out, and they push the changes that skipped the notify after
   * this engine's last claim (its own final drain may have been dropped by the stop). Writers in
   * flight that skipped the notify keep the door's lock: it tries again, 100 ms doubling to
   * 500 ms, for `closeMs`, then reopens and rings without the lock (a writer still in flight then
   * waits for the next notification).
   */
  async close(): Promise<void> {
    this.closed = true
    clearTimeout(this.retry)
    this.retry = undefined
    this.stopRenewing()
    await this.chain
    // Best effort, bounded (Postgres may be gone): a door left held opens by itself after holdMs.
    // It does not say it LISTENs: with no other engine renewing that, writers stop notifying
    // LISTENING_MS later.
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      this.reopenAndRing(),
      new Promise((resolve) => {
        timer = setTimeout(resolve, this.closeMs + 1_000)
        timer.unref()
      }),
    ])
    clearTimeout(timer)
  }

  /** `close()`'s reopening: with the lock while it can be had within `closeMs`, then without. */
  private async reopenAndRing(): Promise<void> {
    const { doorbell } = this.options
    const deadline = Date.now() + this.closeMs
    let delay = this.retryMs
    try {
      while (Date.now() < deadline) {
        if (await doorbell.release(true, false)) return
        await new Promise((resolve) => setTimeout(resolve, delay).unref())
        delay = Math.min(delay * 2, this.maxRetryMs)
      }
      await doorbell.release(true, false, true)
    } catch {
      // Postgres is gone: the hold runs out by itself.
    }
  }

  /** The latest push of `object` found nothing (or failed): reopens when no mapping is busy. */
  private async idle(object: string): Promise<void> {
    this.busy.delete(object)
    if (this.holding && this.busy.size === 0 && !this.retry) await this.release()
  }

  private listening(): boolean {
    return this.options.listening?.() ?? true
  }

  /** Asks for a push of every mapping; what that throws is reported, and the caller goes on. */
  private pushAll(): void {
    try {
      this.options.pushAll()
    } catch (error) {
      this.options.onError(error)
    }
  }

  private hold(): Promise<void> {
    return this.serially(async () => {
      if (this.holding && Date.now() - this.heldAt < this.refreshMs) return
      await this.options.doorbell.hold(this.holdMs)
      this.holding = true
      this.heldAt = Date.now()
    })
  }

  private release(): Promise<void> {
    return this.serially(async () => {
      if (!this.holding || this.busy.size > 0) return
      if (await this.options.doorbell.release(false, this.listening())) {
        this.holding = false
        this.heldAt = 0
        this.retryDelay = this.retryMs
        // The final drain: every change captured without a notify is committed now.
        this.pushAll()
        return
      }
      // Writers that skipped the notify are still in flight: push what is committed, try again.
      this.pushAll()
      this.retry = setTimeout(() => {
        this.retry = undefined
        if (!this.closed) void this.release()
      }, this.retryDelay)
      this.retry.unref()
      this.retryDelay = Math.min(this.retryDelay * 2, this.maxRetryMs)
    })
  }

  /**
   * Stops renewing this engine's word that it LISTENs (it is about to stop listening); the word
   * runs out `LISTENING_MS` later unless another engine renews it.
   */
  stopRenewing(): void {
    this.renewing = false
    clearTimeout(this.renewal)
    this.renewal = undefined
  }

  /** Renews this engine's word that it LISTENs after `ms`. */
  private renewLater(ms: number): void {
    if (this.closed || !this.renewing) return
    clearTimeout(this.renewal)
    this.renewal = setTimeout(() => {
      this.renewal = undefined
      void this.renew()
    }, ms)
    this.renewal.unref()
  }

  private renew(): Promise<void> {
    return this.serially(async () => {
      if (!this.listening()) {
        // Deaf: the word runs out, and writers stop notifying. Once it hears again, the renewal
        // finds the word run out and pushes every mapping.
        this.renewLater(Math.min(this.renewMs, 1_000))
        return
      }
      let renewal: Renewal
      try {
        renewal = await this.options.doorbell.renew()
      } catch (error) {
        this.renewLater(this.renewMs) // reported below; the word lasts LISTENING_MS
        throw error
      }
      // Writers may have skipped the notify while the word had run out: push what is committed
      // (all of it once renewed), and keep pushing while a long transaction keeps the lock.
      if (renewal.lapsed) this.pushAll()
      // Writers hold the doorbell's lock: try again soon, never waiting on the app.
      this.renewLater(renewal.renewed ? this.renewMs : this.maxRetryMs)
    })
  }

  private serially(step: () => Promise<void>): Promise<void> {
    const next = this.chain.then(() => (this.closed ? undefined : step()))
    this.chain = next.catch((error: unknown) => this.options.onError(error))
    return this.chain
  }
}
