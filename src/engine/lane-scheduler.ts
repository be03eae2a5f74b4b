import PQueue from 'p-queue'
import type { SyncDirection } from '../sources/change-source.js'

/** A lane: one direction of one mapping. At most one run per lane at a time. */
export interface LaneKey {
  readonly direction: SyncDirection
  /** The mapping's object, as the engine's plans name it. */
  readonly object: string
}

/** What a lane run is told: the hints gathered since it last ran. */
export interface LaneRun<Hint> {
  readonly lane: LaneKey
  readonly hints: readonly Hint[]
}

/** How a lane run ended, as the scheduler reports it. */
export interface LaneOutcome<Hint = unknown> {
  readonly lane: LaneKey
  readonly error?: unknown
  /** When the run failed with a retryable error: the delay before the lane runs again. */
  readonly retryInMs?: number
  /** Hints given up after the lane's runs failed for good three times in a row. */
  readonly dropped?: readonly Hint[]
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
  readonly onOutcome?: (outcome: LaneOutcome<Hint>) => void
  /**
   * Folds a lane's waiting hints into fewer, called when they pass `compactAt` (a lane waiting
   * out a long retry, as a spent API budget's, gathers every signal meanwhile).
   */
  readonly compact?: (hints: Hint[]) => Hint[]
  /** How many waiting hints of a lane call for `compact`. @default 200 */
  readonly compactAt?: number
}

interface Lane<Hint> {
  readonly key: LaneKey
  hints: Hint[]
  queued: boolean
  running: boolean
  /** Signalled while running: run again right after. */
  rerun: boolean
  attempt: number
  /** Runs in a row that failed for good (their hints are carried to the next run, up to a limit). */
  failedForGood: number
  /** Waiting out a retryable failure: signals are kept for when it fires, not acted on. */
  retryTimer: NodeJS.Timeout | undefined
  /** How many hints the last compaction left. */
  compacted: number
}

/**
 * Runs work per lane (one lane per mapping and direction): at most one run per lane at a time,
 * signals that arrive while a lane runs are coalesced into one more run, and a bounded number of
 * lanes run at once (p-queue). A failed run is retried after the delay `retryDelay` gives, and
 * the delay holds: signals that arrive meanwhile are remembered and handed to the retry, so a
 * rate-limited org is not asked again before the backoff that was announced
 * (docs/concepts/architecture.md). A run that fails for good is not retried, but its hints stay
 * for the lane's next run (dropped after three such runs in a row). `drain()` waits until nothing is queued or running; `close()`
 * stops accepting signals, drops queued runs and retries, and waits for runs in flight.
 * @internal
 */
export class LaneScheduler<Hint> {
  private readonly lanes = new Map<string, Lane<Hint>>()
  private readonly queue: PQueue
  private readonly options: LaneSchedulerOptions<Hint>
  private closed = false

  constructor(options: LaneSchedulerOptions<Hint>) {
    this.options = options
    this.queue = new PQueue({ concurrency: options.concurrency })
  }

  /** Asks for a run of `lane`; the hint is passed to it. Ignored once closed. */
  signal(key: LaneKey, hint?: Hint): void {
    if (this.closed) return
    const lane = this.lane(key)
    if (hint !== undefined) lane.hints.push(hint)
    this.compactIfLong(lane)
    if (lane.retryTimer) return // the retry will take the hints along
    this.enqueue(lane)
  }

  /** Whether `lane` is waiting out a retry delay. */
  backingOff(key: LaneKey): boolean {
    return this.lanes.get(laneId(key))?.retryTimer !== undefined
  }

  /** Resolves when no lane is queued or running (retries waiting on a timer do not count). */
  async drain(): Promise<void> {
    await this.queue.onIdle()
  }

  /** Stops accepting signals, drops queued runs and pending retries, waits for runs in flight. */
  async close(): Promise<void> {
    this.closed = true
    for (const lane of this.lanes.values()) {
      if (lane.retryTimer) clearTimeout(lane.retryTimer)
      lane.retryTimer = undefined
    }
    this.queue.clear()
    await this.queue.onIdle()
  }

  private lane(key: LaneKey): Lane<Hint> {
    const id = laneId(key)
    let lane = this.lanes.get(id)
    if (!lane) {
      lane = {
        key: { direction: key.direction, object: key.object },
        hints: [],
        queued: false,
        running: false,
        rerun: false,
        attempt: 0,
        failedForGood: 0,
        retryTimer: undefined,
        compacted: 0,
      }
      this.lanes.set(id, lane)
    }
    return lane
  }

  private compactIfLong(lane: Lane<Hint>): void {
    const { compact, compactAt = 200 } = this.options
    if (!compact || lane.hints.length < Math.max(compactAt, 2 * lane.compacted)) return
    lane.hints = compact(lane.hints)
    // Still long (hints that do not fold): compact again once they have doubled.
    lane.compacted = lane.hints.length
  }

  private enqueue(lane: Lane<Hint>): void {
    if (lane.running) {
      lane.rerun = true
      return
    }
    if (lane.queued) return
    lane.queued = true
    void this.queue.add(() => this.runLane(lane))
  }

  private async runLane(lane: Lane<Hint>): Promise<void> {
    lane.queued = false
    if (this.closed) return
    const hints = lane.hints
    lane.hints = []
    lane.running = true
    try {
      await this.options.run({ lane: lane.key, hints })
      lane.attempt = 0
      lane.failedForGood = 0
      this.options.onOutcome?.({ lane: lane.key })
    } catch (error) {
      lane.attempt += 1
      const retryInMs = this.closed ? undefined : this.options.retryDelay(error, lane.attempt)
      // The hints stay with the lane, retried or not: a run that failed for good hands them to
      // the lane's next run, so that run re-reads their records before it stores their stream
      // position (dropping them let a later event's replay id pass them). After
      // MAX_CARRIED_FAILURES such runs in a row they are dropped: a hint that itself fails every
      // run must not stop the lane for good, nor a lane that keeps failing hold hints forever.
      if (retryInMs === undefined) lane.failedForGood += 1
      const carried =
        !this.closed && (retryInMs !== undefined || lane.failedForGood < MAX_CARRIED_FAILURES)
      if (carried) {
        lane.hints.unshift(...hints)
        this.compactIfLong(lane)
      } else if (!this.closed) lane.failedForGood = 0
      this.options.onOutcome?.({
        lane: lane.key,
        error,
        retryInMs,
        ...(carried || this.closed || hints.length === 0 ? {} : { dropped: hints }),
      })
      if (retryInMs !== undefined) {
        lane.rerun = false
        lane.retryTimer = setTimeout(() => {
          lane.retryTimer = undefined
          if (!this.closed) this.enqueue(lane)
        }, retryInMs)
        lane.retryTimer.unref()
      }
    } finally {
      lane.running = false
      if (lane.rerun && !this.closed && !lane.retryTimer) {
        lane.rerun = false
        this.enqueue(lane)
      }
      lane.rerun = false
    }
  }
}

/** Runs in a row that may fail for good before their hints are dropped. */
const MAX_CARRIED_FAILURES = 3

function laneId(key: LaneKey): string {
  return `${key.direction}:${key.object.toLowerCase()}`
}
