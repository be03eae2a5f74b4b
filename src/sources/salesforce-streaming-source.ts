import { OptionReader } from '../config/option-reader.js'
import { SalesforceApiError } from '../errors/salesforce-api-error.js'
import type { Mapping } from '../mappings/mapping.js'
import { toSalesforceApiError } from '../salesforce/jsforce/jsforce-error.js'
import type { StreamingMessage, StreamSubscription } from '../salesforce/salesforce-adapter.js'
import { CursorStore } from '../store/cursors.js'
import { BaseChangeSource } from './base-change-source.js'
import { changeEventHint } from './change-event-hint.js'
import type { ChangeSourceContext } from './change-source.js'
import { ensurePushTopic } from './ensure-push-topic.js'

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
    await Promise.all(mappings.map((mapping) => this.subscribe(context, mapping)))
  }

  protected override async onStop(): Promise<void> {
    await Promise.allSettled(this.subscriptions.splice(0).map((s) => s.close()))
  }

  private async subscribe(context: ChangeSourceContext, mapping: Mapping): Promise<void> {
    const { connection } = context
    const salesforce = context.salesforce(mapping.object)
    const channel =
      this.kind === 'cdc'
        ? `/data/${mapping.object.replace(/__c$/i, '__')}ChangeEvent`
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
      this.subscriptions.push(await open(stored ?? -1))
    } catch (error) {
      if (!(error instanceof SalesforceApiError) || error.errorCode !== 'INVALID_REPLAY_ID')
        throw error
      // The stored replay id is older than Salesforce keeps events: start from now and catch up by polling.
      context.reportError(error)
      await cursors.clearReplayId(mapping.table, channel)
      this.subscriptions.push(await open(-1))
      this.signal({ object: mapping.object, direction: 'pull', reason: 'gap' })
    }
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
      this.subscriptions.push(await open(-1))
      this.signal({ object: mapping.object, direction: 'pull', reason: 'gap' })
    } catch (reopenError) {
      context.reportError(toSalesforceApiError(reopenError, `Resubscribing to ${channel} failed`))
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
