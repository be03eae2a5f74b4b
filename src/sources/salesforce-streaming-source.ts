import { OptionReader } from '../config/option-reader.js'
import { SalesforceApiError } from '../errors/salesforce-api-error.js'
import type { Mapping } from '../mappings/mapping.js'
import { toSalesforceApiError } from '../salesforce/jsforce/jsforce-error.js'
import type { StreamingMessage, StreamSubscription } from '../salesforce/salesforce-adapter.js'
import { CursorStore } from '../store/cursors.js'
import { BaseChangeSource } from './base-change-source.js'
import { cdcChannel } from './cdc-channel.js'
import { changeEventHint } from './change-event-hint.js'
import type { ChangeSourceContext } from './change-source.js'
import { ensurePushTopic, pushTopicName } from './ensure-push-topic.js'

/** First wait before a stream that could not open is tried again; it doubles up to `RETRY_MAX_MS`. */
const RETRY_FIRST_MS = 1_000
const RETRY_MAX_MS = 300_000

/** Options of {@link SalesforceStreamingSource}. */
export interface SalesforceStreamingSourceOptions {
  /** `cdc` (Change Data Capture, `/data/<Object>ChangeEvent`) or `pushtopic`. @default 'cdc' */
  readonly kind?: 'cdc' | 'pushtopic'
  /** Objects to stream (API names); all mappings' by default. */
  readonly objects?: readonly string[]
  /**
   * The client id pgforce's own writes carry in `changeOrigin` (the adapter's `originClient`):
   * their events do not trigger pulls. @default 'pgforce'
   */
  readonly originClient?: string
}

/**
 * Streams Salesforce changes so they reach Postgres in well under a second instead of at the next
 * poll. An event is a hint: it names the changed records and the pull re-reads them (and the
 * keyset window), never trusting the payload. The replay id is stored only after the pull that
 * covers it commits, and used on restart. A refused (expired) replay id, a gap or an overflow event,
 * and every reconnect lead to a catch-up pull, never to silence. Events caused by pgforce's own
 * writes are recognised by their `changeOrigin` and skipped. Pair it with `SalesforcePollingSource`.
 */
export class SalesforceStreamingSource extends BaseChangeSource {
  readonly name = 'salesforce-streaming'
  readonly direction = 'pull' as const
  private readonly kind: 'cdc' | 'pushtopic'
  /** The objects it streams (API names); `undefined` for every mapping's. */
  readonly objects: readonly string[] | undefined
  private readonly ownOrigin: string
  private readonly subscriptions: StreamSubscription[] = []
  /** Streams waiting to be tried again. */
  private readonly retries = new Set<NodeJS.Timeout>()

  constructor(options: SalesforceStreamingSourceOptions = {}) {
    super()
    const read = new OptionReader('SalesforceStreamingSource options')
    this.kind = read.oneOf('kind', options.kind ?? 'cdc', ['cdc', 'pushtopic']) ?? 'cdc'
    this.objects = options.objects
    this.ownOrigin = `client=${options.originClient ?? 'pgforce'}`
    read.finish()
  }

  protected async onStart(context: ChangeSourceContext): Promise<void> {
    const wanted = this.objects?.map((o) => o.toLowerCase())
    const mappings = context.mappings.filter(
      (m) => !wanted || wanted.includes(m.object.toLowerCase()),
    )
    // One object's stream that cannot open does not keep the others (or the engine) from
    // starting: its object is polled meanwhile, and the stream tried again (`retryLater`).
    await Promise.all(
      mappings.map((mapping) =>
        this.subscribe(context, mapping).catch((error: unknown) =>
          this.retryLater(context, mapping, error, RETRY_FIRST_MS),
        ),
      ),
    )
  }

  protected override async onStop(): Promise<void> {
    for (const timer of this.retries) clearTimeout(timer)
    this.retries.clear()
    await Promise.allSettled(this.subscriptions.splice(0).map((s) => s.close()))
  }

  /**
   * A stream that could not open: says so (an error, and the channel `reconnecting`, so health
   * shows it), then tries again after `delayMs`, doubling up to 5 min. A channel that does not
   * exist (`NOT_FOUND`: the object has no Change Data Capture channel) is not tried again: the
   * object is polled only.
   */
  private retryLater(
    context: ChangeSourceContext,
    mapping: Mapping,
    error: unknown,
    delayMs: number,
  ): void {
    if (!this.running) return
    const failure = toSalesforceApiError(error, `Subscribing to ${mapping.object}'s changes failed`)
    context.reportError(failure)
    if (failure.errorCode === 'NOT_FOUND') return
    context.reportConnection({
      source: this.name,
      state: 'reconnecting',
      target: this.channelOf(mapping),
      reason: failure,
    })
    const timer = setTimeout(() => {
      this.retries.delete(timer)
      if (!this.running) return
      this.subscribe(context, mapping).catch((again: unknown) =>
        this.retryLater(context, mapping, again, Math.min(delayMs * 2, RETRY_MAX_MS)),
      )
    }, delayMs)
    timer.unref()
    this.retries.add(timer)
  }

  private async subscribe(context: ChangeSourceContext, mapping: Mapping): Promise<void> {
    const { connection } = context
    const salesforce = context.salesforce(mapping.object)
    const channel =
      this.kind === 'cdc'
        ? this.channelOf(mapping)
        : `/topic/${await ensurePushTopic(salesforce, mapping)}`
    const cursors = new CursorStore(connection.pool, connection.schema)
    const stored = await cursors.replayId(mapping.table, channel)
    const open = (replayId: number) =>
      salesforce.subscribe({
        channel,
        replayId,
        onMessage: (message) => this.onMessage(mapping, message),
        onConnect: () => {
          context.reportConnection({ source: this.name, state: 'connected', target: channel })
          this.signal({ object: mapping.object, direction: 'pull', reason: 'reconnect' })
        },
        onReconnecting: (reason) =>
          context.reportConnection({
            source: this.name,
            state: 'reconnecting',
            target: channel,
            reason,
          }),
        onError: (error) => {
          context.reportError(error)
          void this.restart(context, mapping, channel, error, open)
        },
      })
    try {
      await this.keep(await open(stored ?? -1))
    } catch (error) {
      if (!(error instanceof SalesforceApiError) || error.errorCode !== 'INVALID_REPLAY_ID')
        throw error
      // The stored replay id is older than Salesforce keeps events: start from now and catch up by polling.
      context.reportError(error)
      await cursors.clearReplayId(mapping.table, channel)
      await this.keep(await open(-1))
      this.signal({ object: mapping.object, direction: 'pull', reason: 'gap' })
    }
  }

  /** The mapping's channel: its Change Data Capture channel, or its PushTopic's. */
  private channelOf(mapping: Mapping): string {
    return this.kind === 'cdc' ? cdcChannel(mapping.object) : `/topic/${pushTopicName(mapping)}`
  }

  /** Keeps a subscription that opened, or closes it when the source stopped meanwhile. */
  private async keep(subscription: StreamSubscription): Promise<void> {
    if (this.running) this.subscriptions.push(subscription)
    else await subscription.close().catch(() => {})
  }

  private async restart(
    context: ChangeSourceContext,
    mapping: Mapping,
    channel: string,
    error: Error,
    open: (replayId: number) => Promise<StreamSubscription>,
  ): Promise<void> {
    if (!this.running) return
    if (error instanceof SalesforceApiError && error.errorCode === 'INVALID_REPLAY_ID') {
      await new CursorStore(context.connection.pool, context.connection.schema)
        .clearReplayId(mapping.table, channel)
        .catch(() => {})
    }
    try {
      await this.keep(await open(-1))
      this.signal({ object: mapping.object, direction: 'pull', reason: 'gap' })
    } catch (reopenError) {
      // Tried again later, as a first subscribe is: the object is polled meanwhile.
      this.retryLater(context, mapping, reopenError, RETRY_FIRST_MS)
    }
  }

  private onMessage(mapping: Mapping, message: StreamingMessage): void {
    const data = message.data as {
      payload?: {
        ChangeEventHeader?: {
          recordIds?: string[]
          changeType?: string
          changeOrigin?: string
          commitTimestamp?: number
        }
      }
      sobject?: { Id?: string }
    }
    const header = data.payload?.ChangeEventHeader
    // Change Data Capture: the header decides (shared with the Pub/Sub source); PushTopic: the record.
    const hint = header
      ? changeEventHint(header, this.ownOrigin)
      : { reason: 'stream' as const, recordIds: data.sobject?.Id ? [data.sobject.Id] : [] }
    if (!hint) return
    this.signal({
      object: mapping.object,
      direction: 'pull',
      reason: hint.reason,
      recordIds: hint.recordIds,
      replayId: message.replayId,
      channel: message.channel,
      committedAt:
        typeof header?.commitTimestamp === 'number' ? header.commitTimestamp : Date.now(),
    })
  }
}
