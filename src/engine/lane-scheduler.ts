import PQueue from 'p-queue'

/** What a lane run is told: the hints gathered since it last ran. */
export interface LaneRun<Hint> {
  readonly key: string
  readonly hints: readonly Hint[]
  readonly signal: AbortSignal
}

/** How a lane run ended, as the scheduler reports it. */
export interface LaneOutcome {
  readonly key: string
  readonly error?: unknown
  /** When the run failed with a retryable error: the delay before the lane runs again. */
  readonly retryInMs?: number
}

/** Options of {@link LaneScheduler}. */
export interface LaneSchedulerOptions<Hint> {
  /** Runs one lane once. Throwing marks the run failed. */
  readonly run: (run: LaneRun<Hint>) => Promise<void>
  /** Most lanes running at once. */
  readonly concurrency: number
  /** Delay before retrying a failed run, or `undefined` to wait for the next signal. */
  readonly retryDelay: (error: unknown, attempt: number) => number | undefined
  /** Told after every run. */
  readonly onOutcome?: (outcome: LaneOutcome) => void
}

interface Lane<Hint> {
  hints: Hint[]
  queued: boolean
  running: boolean
  /** Signalled while running: run again right after. */
  rerun: boolean
  attempt: number
  retryTimer: NodeJS.Timeout | undefined
}

/**
 * Runs work per lane (one lane per mapping and direction): at most one run per lane at a time,
 * signals that arrive while a lane runs are coalesced into one more run, and a bounded number of
 * lanes run at once (p-queue). A failed run is retried after the delay `retryDelay` gives.
 * `drain()` waits until nothing is queued or running; `close()` stops accepting signals, aborts
 * retries and waits for runs in flight.
 * @internal
 */
export class LaneScheduler<Hint> {
  private readonly lanes = new Map<string, Lane<Hint>>()
  private readonly queue: PQueue
  private readonly options: LaneSchedulerOptions<Hint>
  private readonly abort = new AbortController()
  private closed = false

  constructor(options: LaneSchedulerOptions<Hint>) {
    this.options = options
    this.queue = new PQueue({ concurrency: options.concurrency })
  }

  /** Asks for a run of `key`; the hint is passed to it. Ignored once closed. */
  signal(key: string, hint?: Hint): void {
    if (this.closed) return
    const lane = this.lane(key)
    if (hint !== undefined) lane.hints.push(hint)
    if (lane.retryTimer) {
      clearTimeout(lane.retryTimer)
      lane.retryTimer = undefined
    }
    this.enqueue(key, lane)
  }

  /** Resolves when no lane is queued or running (retries waiting on a timer do not count). */
  async drain(): Promise<void> {
    await this.queue.onIdle()
  }

  /** Number of lanes queued or running. */
  get busy(): number {
    return this.queue.size + this.queue.pending
  }

  /** Stops accepting signals, cancels pending retries, waits for runs in flight. */
  async close(options: { abortRunning?: boolean } = {}): Promise<void> {
    this.closed = true
    for (const lane of this.lanes.values()) {
      if (lane.retryTimer) clearTimeout(lane.retryTimer)
      lane.retryTimer = undefined
    }
    this.queue.clear()
    if (options.abortRunning) this.abort.abort(new Error('engine stopped'))
    await this.queue.onIdle()
  }

  private lane(key: string): Lane<Hint> {
    let lane = this.lanes.get(key)
    if (!lane) {
      lane = {
        hints: [],
        queued: false,
        running: false,
        rerun: false,
        attempt: 0,
        retryTimer: undefined,
      }
      this.lanes.set(key, lane)
    }
    return lane
  }

  private enqueue(key: string, lane: Lane<Hint>): void {
    if (lane.running) {
      lane.rerun = true
      return
    }
    if (lane.queued) return
    lane.queued = true
    void this.queue.add(() => this.runLane(key, lane))
  }

  private async runLane(key: string, lane: Lane<Hint>): Promise<void> {
    lane.queued = false
    if (this.closed) return
    const hints = lane.hints
    lane.hints = []
    lane.running = true
    try {
      await this.options.run({ key, hints, signal: this.abort.signal })
      lane.attempt = 0
      this.options.onOutcome?.({ key })
    } catch (error) {
      lane.attempt += 1
      const retryInMs = this.closed ? undefined : this.options.retryDelay(error, lane.attempt)
      this.options.onOutcome?.({ key, error, retryInMs })
      if (retryInMs !== undefined) {
        lane.hints.unshift(...hints)
        lane.retryTimer = setTimeout(() => {
          lane.retryTimer = undefined
          if (!this.closed) this.enqueue(key, lane)
        }, retryInMs)
        lane.retryTimer.unref()
      }
    } finally {
      lane.running = false
      if (lane.rerun && !this.closed && !lane.retryTimer) {
        lane.rerun = false
        this.enqueue(key, lane)
      }
      lane.rerun = false
    }
  }
}
