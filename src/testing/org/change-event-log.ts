import { SalesforceApiError } from '../../errors/salesforce-api-error.js'

/** One event on a streaming channel. */
export interface ChangeEvent {
  readonly channel: string
  readonly replayId: number
  /** The object a change event (or gap event) is about; none on other channels. */
  readonly objectName?: string
  /** What CometD delivers as `data` (its `event.replayId` is this event's replay id). */
  readonly data: Readonly<Record<string, unknown>>
}

/** A live listener of one channel. */
export type ChangeEventListener = (event: ChangeEvent) => void

/**
 * The org's event bus: every event gets an increasing replay id and is retained (the most recent
 * `retention` events) for replay, as Salesforce keeps events for 24–72 hours. Subscribers get live
 * events; `replay()` answers what a subscription with a replay id receives first, and refuses a
 * replay id that is no longer (or not yet) retained the way Salesforce does.
 */
export class ChangeEventLog {
  /** Retained events are `events[first…]`; the array is compacted once half of it is dropped. */
  private events: ChangeEvent[] = []
  private first = 0
  private readonly listeners = new Map<string, Set<ChangeEventListener>>()
  private readonly everyChannel = new Set<ChangeEventListener>()
  private nextReplayId = 1
  private retention: number
  private readonly channelCheck: (channel: string) => boolean

  /** @internal Made by `InMemoryOrg`. */
  constructor(retention: number, channelExists: (channel: string) => boolean) {
    this.retention = retention
    this.channelCheck = channelExists
  }

  /** Replay id of the newest event (0 when none). */
  get latestReplayId(): number {
    return this.nextReplayId - 1
  }

  /** Replay id of the oldest retained event; ids before it are gone. */
  get earliestRetainedReplayId(): number {
    return this.events[this.first]?.replayId ?? this.nextReplayId
  }

  /** Keeps only the `count` most recent events from now on (and trims now). */
  setRetention(count: number): void {
    this.retention = count
    this.trim()
  }

  /** Whether a channel exists: `/data/<Object>ChangeEvent`, `/data/ChangeEvents`, a custom `/data/<Name>__chn`, `/topic/<active PushTopic>`. */
  channelExists(channel: string): boolean {
    return this.channelCheck(channel)
  }

  /** Listens to live events of a channel; returns the function that stops listening. */
  subscribe(channel: string, listener: ChangeEventListener): () => void {
    const set = this.listeners.get(channel) ?? new Set()
    set.add(listener)
    this.listeners.set(channel, set)
    return () => {
      set.delete(listener)
    }
  }

  /** Listens to live events of every channel; returns the function that stops listening. */
  subscribeAll(listener: ChangeEventListener): () => void {
    this.everyChannel.add(listener)
    return () => {
      this.everyChannel.delete(listener)
    }
  }

  /**
   * Retained events of `channel` after `afterReplayId`: `-1` → none (new events only), `-2` → all
   * retained. Throws `INVALID_REPLAY_ID` for an id older than the retention window or newer than
   * the newest event, as Salesforce does.
   */
  replay(channel: string, afterReplayId: number): ChangeEvent[] {
    if (afterReplayId === -1) return []
    if (
      afterReplayId !== -2 &&
      (afterReplayId < this.earliestRetainedReplayId - 1 || afterReplayId > this.latestReplayId)
    ) {
      throw new SalesforceApiError(
        `The replayId {${afterReplayId}} you provided was invalid. Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.`,
        { errorCode: 'INVALID_REPLAY_ID', statusCode: 400 },
      )
    }
    const retained: ChangeEvent[] = []
    for (let k = this.first; k < this.events.length; k += 1) {
      const event = this.events[k] as ChangeEvent
      if (event.channel === channel && event.replayId > afterReplayId) retained.push(event)
    }
    return retained
  }

  /**
   * @internal Appends an event to a channel and delivers it. Its `data` is built when first read
   * (most events of a busy org are never delivered), so `build` must read only what does not
   * change afterwards (the org replaces a record on every write, never edits one).
   */
  publish(
    channel: string,
    build: (replayId: number) => Record<string, unknown>,
    objectName?: string,
  ): ChangeEvent {
    const replayId = this.nextReplayId
    this.nextReplayId += 1
    let data: Record<string, unknown> | undefined
    const event: ChangeEvent = {
      channel,
      replayId,
      ...(objectName !== undefined && { objectName }),
      get data() {
        data ??= build(replayId)
        return data
      },
    }
    this.events.push(event)
    this.trim()
    for (const listener of this.everyChannel) listener(event)
    for (const listener of this.listeners.get(channel) ?? []) listener(event)
    return event
  }

  private trim(): void {
    const excess = this.events.length - this.first - this.retention
    if (excess > 0) this.first += excess
    if (this.first > 64 && this.first * 2 > this.events.length) {
      this.events = this.events.slice(this.first)
      this.first = 0
    }
  }
}
