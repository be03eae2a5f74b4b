import { OptionReader } from '../config/option-reader.js'
import { SalesforceApiError } from '../errors/salesforce-api-error.js'
import type { Mapping } from '../mappings/mapping.js'
import {
  openPubSubSubscription,
  type PubSubSubscription,
  type ReceivedEvent,
  SALESFORCE_PUBSUB_ENDPOINT,
} from '../salesforce/pubsub/pubsub-subscription.js'
import { CursorStore } from '../store/cursors.js'
import { BaseChangeSource } from './base-change-source.js'
import { cdcChannel } from './cdc-channel.js'
import type { ChangeReason, ChangeSourceContext } from './change-source.js'
import { planPubSubBatch } from './pubsub-batch-plan.js'

/** `/data/ChangeEvents` or a custom change-event channel. */
const CHANNEL = /^\/data\/(ChangeEvents|[A-Za-z][A-Za-z0-9_]*__chn)$/

/** Options of {@link SalesforcePubSubSource}. */
export interface SalesforcePubSubSourceOptions {
  /** Objects to stream (API names); all mappings' by default. */
  readonly objects?: readonly string[]
  /**
   * One channel for every object the source covers, instead of a `/data/<Object>ChangeEvent`
   * topic per mapping: `/data/ChangeEvents` (every object enabled for Change Data Capture) or a
   * custom channel `/data/<Name>__chn`. One subscription then serves all the mappings: each event
   * goes to its object's mapping (by `entityName`), events of other objects only move the replay
   * id, and each mapped table stores the channel's replay id with its rows
   * (docs/guides/change-sources.md, "One channel for several objects"). @default per-object topics
   */
  readonly channel?: string
  /**
   * The client id pgforce's own writes carry in `changeOrigin` (the adapter's `originClient`):
   * their events do not trigger pulls. @default 'pgforce'
   */
  readonly originClient?: string
  /** The Pub/Sub API endpoint, `host:port`. @default 'api.pubsub.salesforce.com:7443' */
  readonly endpoint?: string
  /** A PEM certificate to trust (a test server's, e.g. the emulator's `pubSubCertificate`). */
  readonly ca?: string
  /**
   * Skip re-reading a record when an update changed none of the mapping's fields (decoded from
   * the event's `changedFields`/`nulledFields`/`diffFields`). Saves API calls; the record's
   * `systemmodstamp` and formula columns then catch up at the next poll. Never applies to
   * mappings with a row filter. @default false
   */
  readonly ignoreUnmappedFieldChanges?: boolean
  /**
   * How long a batch waits for the pull it asked for to commit before more events are requested
   * anyway (another worker may lead the pull, or the engine be paused). @default 30000
   */
  readonly commitTimeoutMs?: number
  /**
   * First reconnect delay after a broken stream, doubling up to 30 s. A subscription Salesforce
   * refuses for good (a channel that does not exist, a permission) is reported, shown as
   * reconnecting, and tried again after 300 times this (5 min). @default 1000
   */
  readonly retryMs?: number
}

/**
 * Streams Change Data Capture events over Salesforce's Pub/Sub API (gRPC + Avro), the transport
 * Salesforce recommends (docs/guides/change-sources.md). Like `SalesforceStreamingSource`, an event
 * is a hint: it names the changed records and the pull re-reads them. It subscribes per mapping to
 * `/data/<Object>ChangeEvent` (or, with `channel`, once for all mappings to `/data/ChangeEvents`
 * or a custom channel) with the adapter's session, asks for up to 100 events, and asks for
 * more only once the pull covering the previous batch has committed — with the batch's replay id,
 * the opaque bytes Salesforce sent, stored in the same transaction as the rows. A refused replay id
 * (expired, corrupted) resubscribes from the latest event and pulls from the stored cursor; a broken
 * stream backs off and resumes from the stored replay id; a refused token refreshes the session
 * once; gap events re-read their records and an overflow pulls the whole window. Events caused by
 * pgforce's own writes are recognised by their `changeOrigin` and skipped. Pair it with
 * `SalesforcePollingSource`.
 *
 * @example
 * ```ts
 * const engine = new SyncEngine({
 *   connection,
 *   mappings,
 *   sources: [new SalesforcePubSubSource(), new SalesforcePollingSource(), new PostgresNotifySource()],
 * })
 * ```
 */
export class SalesforcePubSubSource extends BaseChangeSource {
  readonly name = 'salesforce-pubsub'
  readonly direction = 'pull' as const
  /** The objects it streams (API names); `undefined` for every mapping's. */
  readonly objects: readonly string[] | undefined
  /** The one channel it subscribes to, or `undefined` for a topic per mapping. */
  readonly channel: string | undefined
  private readonly ownOrigin: string
  private readonly endpoint: string
  private readonly ca: string | undefined
  private readonly ignoreUnmapped: boolean
  private readonly commitTimeoutMs: number
  private readonly retryMs: number
  private readonly subscriptions: PubSubSubscription[] = []
  private stopping = new AbortController()

  constructor(options: SalesforcePubSubSourceOptions = {}) {
    super()
    const read = new OptionReader('SalesforcePubSubSource options')
    this.objects = options.objects
    this.channel = options.channel
    if (options.channel !== undefined && !CHANNEL.test(options.channel))
      read.problem(
        'channel',
        "'/data/ChangeEvents' or a custom channel '/data/<Name>__chn'",
        options.channel,
      )
    this.ownOrigin = `client=${options.originClient ?? 'pgforce'}`
    this.endpoint = options.endpoint ?? SALESFORCE_PUBSUB_ENDPOINT
    this.ca = options.ca
    this.ignoreUnmapped = options.ignoreUnmappedFieldChanges ?? false
    this.commitTimeoutMs = options.commitTimeoutMs ?? 30_000
    this.retryMs = options.retryMs ?? 1_000
    read.finish()
  }

  protected async onStart(context: ChangeSourceContext): Promise<void> {
    this.stopping = new AbortController()
    const wanted = this.objects?.map((o) => o.toLowerCase())
    const mappings = context.mappings.filter(
      (m) => !wanted || wanted.includes(m.object.toLowerCase()),
    )
    if (this.channel) {
      if (mappings.length > 0) await this.subscribe(context, this.channel, mappings)
      return
    }
    await Promise.all(
      mappings.map((mapping) => this.subscribe(context, cdcChannel(mapping.object), [mapping])),
    )
  }

  protected override async onStop(): Promise<void> {
    this.stopping.abort()
    await Promise.allSettled(this.subscriptions.splice(0).map((s) => s.close()))
  }

  /** One subscription to `topic` for `mappings` (one for a per-object topic, several for a channel). */
  private async subscribe(
    context: ChangeSourceContext,
    topic: string,
    mappings: readonly Mapping[],
  ): Promise<void> {
    const salesforce = context.salesforce(mappings[0]?.object ?? '')
    const cursors = new CursorStore(context.connection.pool, context.connection.schema)
    const tables = [...new Set(mappings.map((m) => m.table))]
    const objects = [...new Set(mappings.map((m) => m.object))]
    // Tables with a pull asked for by an event and not committed yet (however long it takes: a
    // batch stops waiting after commitTimeoutMs): no replay id is written for them meanwhile, or
    // a restart would resume past the event whose records they have not read.
    const pending: PendingPulls = { tables: new Map(), tableOf: tableOfObject(mappings) }
    const pullEach = (reason: ChangeReason) => {
      for (const object of objects) this.signal({ object, direction: 'pull', reason })
    }
    const session = (options: { readonly refreshedSince?: number }) =>
      salesforce.streamingSession
        ? salesforce.streamingSession(options)
        : Promise.reject(
            new SalesforceApiError(
              'The Salesforce adapter does not expose its session (streamingSession), which the Pub/Sub API needs',
              { errorCode: 'UNSUPPORTED_ADAPTER', retryable: false },
            ),
          )
    let inFlight = 0
    // When each batch or keepalive arrived, by Postgres' clock (every worker's positions are
    // ordered by one clock) and strictly increasing here: stored with the replay ids, it orders
    // the opaque ids of a shared channel (earliestReplayBytes).
    let lastReceivedAt = 0
    const received = async () => {
      lastReceivedAt = Math.max(await cursors.databaseNowMs(), lastReceivedAt + 0.001)
      return lastReceivedAt
    }
    const subscription = await openPubSubSubscription({
      endpoint: this.endpoint,
      ...(this.ca ? { ca: this.ca } : {}),
      topic,
      retryMs: this.retryMs,
      refusedRetryMs: 300 * this.retryMs,
      session: (refreshedSince) => session(refreshedSince === undefined ? {} : { refreshedSince }),
      // A channel shared by several tables resumes from the replay id received earliest.
      startAfter: () => cursors.earliestReplayBytes(tables, topic),
      onEvents: async (events) => {
        inFlight += 1
        try {
          const receivedAt = await received()
          await this.onEvents(mappings, topic, cursors, events, pending, receivedAt)
        } finally {
          inFlight -= 1
        }
      },
      // A quiet topic: keep the stored replay id fresh, so it never falls out of retention.
      onKeepalive: async (latest) => {
        const receivedAt = await received()
        const quiet = tables.filter((table) => !pending.tables.has(table))
        if (inFlight === 0 && quiet.length > 0 && (await cursors.hasReplayBytes(quiet, topic)))
          await cursors.writeReplayBytesFor(quiet, topic, { replayId: latest, receivedAt })
      },
      onConnect: () => {
        context.reportConnection({ source: this.name, state: 'connected', target: topic })
        pullEach('reconnect')
      },
      onReconnecting: (reason) =>
        context.reportConnection({
          source: this.name,
          state: 'reconnecting',
          target: topic,
          reason,
        }),
      onReplayIdRefused: async (error: SalesforceApiError) => {
        // Expired or corrupted: start from the latest event and catch up from the pull cursors.
        context.reportError(error)
        await cursors.clearReplayIds(tables, topic)
        pullEach('gap')
      },
      onError: (error) => context.reportError(error),
    })
    // Stopped while it was opening: nobody else will close it.
    if (this.stopping.signal.aborted) await subscription.close()
    else this.subscriptions.push(subscription)
  }

  /**
   * One batch: a pull per object it names records of, each storing the batch's replay id with its
   * rows; the other covered tables get the replay id directly. Resolves once every pull committed
   * (or `commitTimeoutMs` passed), so that more events are asked for only then.
   */
  private async onEvents(
    mappings: readonly Mapping[],
    topic: string,
    cursors: CursorStore,
    events: readonly ReceivedEvent[],
    pending: PendingPulls,
    receivedAt: number,
  ): Promise<void> {
    const last = events.at(-1)
    if (!last || !this.running) return
    const plan = planPubSubBatch(events, {
      mappings,
      ownOrigin: this.ownOrigin,
      matters: (mapping, event) => this.matters(mapping, event),
    })
    // Nothing to read for these (pgforce's own changes, fields or objects they do not map, or no
    // event of theirs): the replay id alone moves.
    const idle = plan.idleTables.filter((table) => !pending.tables.has(table))
    if (idle.length > 0)
      await cursors.writeReplayBytesFor(idle, topic, { replayId: last.replayId, receivedAt })
    if (plan.pulls.length === 0) return
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, this.commitTimeoutMs)
      timer.unref()
      const stopping = this.stopping.signal
      stopping.addEventListener('abort', done, { once: true })
      let waiting = plan.pulls.length
      function done() {
        clearTimeout(timer)
        stopping.removeEventListener('abort', done)
        resolve()
      }
      for (const pull of plan.pulls) {
        let committed = false
        const table = pending.tableOf.get(pull.object.toLowerCase())
        if (table !== undefined) pending.tables.set(table, (pending.tables.get(table) ?? 0) + 1)
        this.signal({
          object: pull.object,
          direction: 'pull',
          reason: pull.reason,
          recordIds: pull.recordIds,
          replayId: last.replayId,
          receivedAt,
          channel: topic,
          onCommitted: () => {
            if (committed) return
            committed = true
            if (table !== undefined) {
              const left = (pending.tables.get(table) ?? 1) - 1
              if (left > 0) pending.tables.set(table, left)
              else pending.tables.delete(table)
            }
            waiting -= 1
            if (waiting === 0) done()
          },
        })
      }
      if (!this.running) done()
    })
  }

  /** Whether an update touched a field of the mapping (always, unless told to look). */
  private matters(mapping: Mapping, event: ReceivedEvent): boolean {
    if (!this.ignoreUnmapped || mapping.where || event.changedFields.length === 0) return true
    const mapped = new Set(mapping.fields.map((f) => f.field.toLowerCase()))
    return event.changedFields.some((field) => mapped.has(field.toLowerCase()))
  }
}

/** The tables of a subscription whose event-asked pulls have not committed, by count. */
interface PendingPulls {
  readonly tables: Map<string, number>
  /** A mapping's table by its object (lower case). */
  readonly tableOf: ReadonlyMap<string, string>
}

function tableOfObject(mappings: readonly Mapping[]): Map<string, string> {
  return new Map(mappings.map((m) => [m.object.toLowerCase(), m.table]))
}
