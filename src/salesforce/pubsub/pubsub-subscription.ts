import type * as Grpc from '@grpc/grpc-js'
import type { Type } from 'avsc'
import { SalesforceApiError } from '../../errors/salesforce-api-error.js'
import type { StreamingSession } from '../salesforce-adapter.js'
import { loadAvro } from './avro-types.js'
import { changeEventFields, type RecordSchemaJson } from './change-event-fields.js'
import {
  type FetchRequest,
  type FetchResponse,
  loadPubSubApi,
  type SchemaInfo,
} from './pubsub-api.js'
import { pubSubError } from './pubsub-error.js'

/** The Pub/Sub API's endpoint. */
export const SALESFORCE_PUBSUB_ENDPOINT = 'api.pubsub.salesforce.com:7443'
/** Most events a subscriber may have requested and not yet processed (Salesforce caps it too). */
export const MAX_OUTSTANDING = 100

/** `ChangeEventHeader` of a decoded change event. @internal */
export interface ChangeEventHeader {
  readonly entityName: string
  readonly recordIds: readonly string[]
  readonly changeType: string
  readonly changeOrigin: string
  readonly transactionKey?: string
  readonly commitTimestamp?: bigint
  /** A long beyond 2^53: a BigInt. */
  readonly commitNumber?: bigint
  readonly commitUser?: string
}

/** One event received and decoded. @internal */
export interface ReceivedEvent {
  /** The opaque replay id, exactly as received. */
  readonly replayId: Uint8Array
  readonly schemaId: string
  readonly header: ChangeEventHeader | undefined
  /** Salesforce field names from `changedFields`, `nulledFields` and `diffFields`, decoded. */
  readonly changedFields: readonly string[]
  /** The decoded Avro record (longs as BigInt). */
  readonly payload: Readonly<Record<string, unknown>>
}

/** What {@link openPubSubSubscription} needs. @internal */
export interface PubSubSubscriptionOptions {
  /** `host:port`. */
  readonly endpoint: string
  /** A PEM to trust (test servers); the system's CAs otherwise. */
  readonly ca?: string
  /** e.g. `/data/AccountChangeEvent`. */
  readonly topic: string
  /** The session; with `refreshedSince`, a newer one (a refused token). */
  session(refreshedSince?: number): Promise<StreamingSession>
  /** Where to resume at each (re)subscribe: the stored replay id, or `undefined` for LATEST. */
  startAfter(): Promise<Uint8Array | undefined>
  /**
   * Called with each batch of events, one batch at a time, in order; more events are requested
   * (as many as the batch held) only once the returned promise settles.
   */
  onEvents(events: readonly ReceivedEvent[]): Promise<void>
  /** An empty keepalive response: the subscription's latest replay id, nothing in flight. */
  onKeepalive?(latestReplayId: Uint8Array): Promise<void>
  /**
   * After every subscribe (the first and each resubscribe) the server took: its first answer, or
   * `connectedAfterMs` of the stream open without an error.
   */
  onConnect?(): void
  /** The stream broke and is being re-opened after a backoff. */
  onReconnecting?(error: SalesforceApiError): void
  /**
   * Salesforce refused the replay id `startAfter()` gave (expired or corrupted): forget it, so
   * that the next `startAfter()` answers `undefined` (LATEST), and catch up another way.
   */
  onReplayIdRefused(error: SalesforceApiError): Promise<void>
  /**
   * A failure a quick resubscribe will not cure (followed by `onReconnecting`): the subscription is
   * tried again after `refusedRetryMs`.
   */
  onError?(error: SalesforceApiError): void
  /** How long a stream open without an answer or an error counts as connected. @default 1000 */
  readonly connectedAfterMs?: number
  /** Events requested at a time (≤ 100). @default 100 */
  readonly batchSize?: number
  /** First reconnect delay, doubling to `maxRetryMs`. @default 1000 */
  readonly retryMs?: number
  /** @default 30_000 */
  readonly maxRetryMs?: number
  /**
   * A subscription Salesforce refuses for good (a topic that does not exist, a permission, a
   * session that cannot be renewed) is reported (`onError`, then `onReconnecting`) and tried again
   * after this long: an admin may fix it. @default 300 × retryMs (5 min)
   */
  readonly refusedRetryMs?: number
}

/** A live Pub/Sub subscription. @internal */
export interface PubSubSubscription {
  readonly topic: string
  /** Cancels the stream and closes the channel; leaves no timer or pending call. Idempotent. */
  close(): Promise<void>
}

type SubscribeCall = Grpc.ClientDuplexStream<FetchRequest, FetchResponse>
interface PubSubClient extends Grpc.Client {
  Subscribe(metadata: Grpc.Metadata): SubscribeCall
  GetSchema(
    request: { schema_id: string },
    metadata: Grpc.Metadata,
    callback: (error: Grpc.ServiceError | null, info?: SchemaInfo) => void,
  ): void
}

interface Schema {
  readonly type: Type
  readonly json: RecordSchemaJson
}

/**
 * Subscribes to one Pub/Sub topic over gRPC (docs/guides/change-sources.md, "Pub/Sub API") and
 * keeps it subscribed: auth in the `accesstoken`/`instanceurl`/`tenantid` metadata, pull-based
 * flow control that asks for a batch's worth of events only after the previous batch was handled
 * (never more than 100 requested and unhandled), schemas fetched by id and kept, replay ids kept
 * as bytes. A broken stream is re-opened from `startAfter()` after a backoff; a refused token
 * leads to one session refresh; a refused replay id to `onReplayIdRefused` and a LATEST subscribe.
 * Resolves once the first stream is open. @internal
 */
export async function openPubSubSubscription(
  options: PubSubSubscriptionOptions,
): Promise<PubSubSubscription> {
  const [api, kit] = await Promise.all([loadPubSubApi(), loadAvro()])
  const { grpc } = api
  const credentials = grpc.credentials.createSsl(options.ca ? Buffer.from(options.ca) : null)
  const client = new api.Client(options.endpoint, credentials, {
    'grpc.keepalive_time_ms': 60_000,
  }) as unknown as PubSubClient
  const schemas = new Map<string, Promise<Schema>>()
  let session: StreamingSession | undefined
  const metadata = () => {
    const m = new grpc.Metadata()
    m.set('accesstoken', session?.accessToken ?? '')
    m.set('instanceurl', session?.instanceUrl ?? '')
    m.set('tenantid', session?.organizationId ?? '')
    return m
  }
  const schemaOf = (id: string): Promise<Schema> => {
    let schema = schemas.get(id)
    if (!schema) {
      schema = new Promise<Schema>((resolve, reject) =>
        client.GetSchema({ schema_id: id }, metadata(), (error, info) => {
          if (error || !info?.schema_json) {
            reject(pubSubError(error ?? new Error(`No schema ${id}`), grpc))
            return
          }
          resolve({ type: kit.typeOf(info.schema_json), json: JSON.parse(info.schema_json) })
        }),
      )
      schema.catch(() => schemas.delete(id))
      schemas.set(id, schema)
    }
    return schema
  }
  const decode = async (response: FetchResponse): Promise<ReceivedEvent[]> =>
    Promise.all(
      (response.events ?? []).map(async (consumed) => {
        const schemaId = consumed.event?.schema_id ?? ''
        const schema = await schemaOf(schemaId)
        const payload = schema.type.fromBuffer(
          Buffer.from(consumed.event?.payload ?? []),
        ) as Record<string, unknown>
        const header = payload.ChangeEventHeader as
          | (ChangeEventHeader & Record<string, unknown>)
          | undefined
        const bitmaps = [
          ...((header?.changedFields as string[] | undefined) ?? []),
          ...((header?.nulledFields as string[] | undefined) ?? []),
          ...((header?.diffFields as string[] | undefined) ?? []),
        ]
        return {
          replayId: new Uint8Array(consumed.replay_id ?? []),
          schemaId,
          header: header && { ...header, changeType: String(header.changeType) },
          changedFields: changeEventFields(schema.json, bitmaps),
          payload,
        }
      }),
    )
  const subscription = new Subscription(options, client, grpc, {
    decode,
    metadata,
    refresh: async (since) => {
      session = await options.session(since)
    },
  })
  await subscription.start()
  return subscription
}

interface Wiring {
  decode(response: FetchResponse): Promise<ReceivedEvent[]>
  metadata(): Grpc.Metadata
  refresh(since?: number): Promise<void>
}

class Subscription implements PubSubSubscription {
  readonly topic: string
  private readonly options: PubSubSubscriptionOptions
  private readonly client: PubSubClient
  private readonly grpc: typeof Grpc
  private readonly wiring: Wiring
  private readonly batchSize: number
  private call: SubscribeCall | undefined
  private stopped = false
  private loop: Promise<void> | undefined
  private wake: (() => void) | undefined

  constructor(
    options: PubSubSubscriptionOptions,
    client: PubSubClient,
    grpc: typeof Grpc,
    wiring: Wiring,
  ) {
    this.options = options
    this.topic = options.topic
    this.client = client
    this.grpc = grpc
    this.wiring = wiring
    this.batchSize = Math.max(1, Math.min(MAX_OUTSTANDING, options.batchSize ?? MAX_OUTSTANDING))
  }

  async start(): Promise<void> {
    try {
      await this.wiring.refresh()
    } catch (error) {
      this.client.close()
      throw error
    }
    this.loop = this.run()
  }

  async close(): Promise<void> {
    this.stopped = true
    this.call?.cancel()
    this.wake?.()
    await this.loop
    this.client.close()
  }

  private async run(): Promise<void> {
    const maxRetryMs = this.options.maxRetryMs ?? 30_000
    const firstDelay = this.options.retryMs ?? 1_000
    const refusedRetryMs = this.options.refusedRetryMs ?? 300 * firstDelay
    let delay = firstDelay
    let refreshedFor: number | undefined
    while (!this.stopped) {
      const opened = Date.now()
      let progressed = false
      try {
        const after = await this.options.startAfter()
        await this.stream(after, () => {
          progressed = true
          delay = firstDelay
        })
        if (this.stopped) return
        throw new SalesforceApiError('Pub/Sub API: the server ended the subscription', {
          errorCode: 'PUBSUB_STREAM_ENDED',
          retryable: true,
        })
      } catch (caught) {
        if (this.stopped) return
        const error = pubSubError(caught, this.grpc)
        if (error.errorCode === 'INVALID_REPLAY_ID') {
          await this.options.onReplayIdRefused(error).catch(() => {})
          continue
        }
        if (error.errorCode === 'INVALID_SESSION_ID' && refreshedFor !== opened && !progressed) {
          // One refresh per refusal: a token refused again right after a refresh is a real failure.
          refreshedFor = opened
          try {
            await this.wiring.refresh(opened)
            continue
          } catch (refreshError) {
            const final = pubSubError(refreshError, this.grpc)
            if (!final.retryable) {
              await this.refused(final, refusedRetryMs)
              delay = firstDelay
              continue
            }
          }
        }
        if (!error.retryable && error.errorCode !== 'INVALID_SESSION_ID') {
          await this.refused(error, refusedRetryMs)
          delay = firstDelay
          continue
        }
        this.notify(() => this.options.onReconnecting?.(error))
        await this.sleep(delay)
        delay = Math.min(delay * 2, maxRetryMs)
      }
    }
  }

  /**
   * Salesforce refused the subscription for good: says so (an error, and reconnecting, so health
   * does not show a stream that stopped as connected), then waits `ms` before trying again.
   */
  private async refused(error: SalesforceApiError, ms: number): Promise<void> {
    this.notify(() => this.options.onError?.(error))
    this.notify(() => this.options.onReconnecting?.(error))
    await this.sleep(ms)
  }

  /** One Subscribe stream, until it ends or fails (rejects with the gRPC error). */
  private stream(after: Uint8Array | undefined, onProgress: () => void): Promise<void> {
    // close() may have come while the replay id was read: open nothing then.
    if (this.stopped) return Promise.resolve()
    return new Promise<void>((resolve, reject) => {
      const call = this.client.Subscribe(this.wiring.metadata())
      this.call = call
      let failed = false
      let chain: Promise<void> = Promise.resolve()
      let inFlight = 0
      // Connected once the server answers, or once the stream has stayed open for a moment (a
      // quiet topic sends nothing for minutes). A subscribe refused at once (Salesforce down) is
      // not announced: each retry would say connected then reconnecting, and pull every object.
      let announced = false
      const announce = () => {
        clearTimeout(grace)
        if (announced || failed || this.stopped) return
        announced = true
        this.notify(() => this.options.onConnect?.())
      }
      const grace = setTimeout(announce, this.options.connectedAfterMs ?? 1_000)
      grace.unref()
      const fail = (error: unknown) => {
        clearTimeout(grace)
        if (failed) return
        failed = true
        call.cancel()
        reject(error)
      }
      call.on('data', (response: FetchResponse) => {
        announce()
        onProgress()
        inFlight += 1
        chain = chain.then(async () => {
          if (failed || this.stopped) return
          try {
            const events = await this.wiring.decode(response)
            if (events.length > 0) {
              await this.options.onEvents(events)
              if (!failed && !this.stopped) call.write({ num_requested: events.length })
            } else if (inFlight === 1 && response.latest_replay_id?.length) {
              await this.options.onKeepalive?.(new Uint8Array(response.latest_replay_id))
            }
          } catch (error) {
            fail(error)
          } finally {
            inFlight -= 1
          }
        })
      })
      call.on('error', (error) => {
        if (this.stopped) resolve()
        else fail(error)
      })
      call.on('end', () => {
        clearTimeout(grace)
        void chain.then(() => (failed ? undefined : resolve()))
      })
      call.write({
        topic_name: this.topic,
        replay_preset: after ? 'CUSTOM' : 'LATEST',
        ...(after ? { replay_id: Buffer.from(after) } : {}),
        num_requested: this.batchSize,
      })
    })
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms)
      timer.unref()
      const self = this
      function done() {
        clearTimeout(timer)
        self.wake = undefined
        resolve()
      }
      this.wake = done
      if (this.stopped) done()
    })
  }

  private notify(call: () => void): void {
    if (this.stopped) return
    try {
      call()
    } catch {}
  }
}
