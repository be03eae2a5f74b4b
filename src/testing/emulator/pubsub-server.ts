import { randomUUID } from 'node:crypto'
import type * as Grpc from '@grpc/grpc-js'
import { type AvroKit, loadAvro } from '../../salesforce/pubsub/avro-types.js'
import {
  type FetchRequest,
  type FetchResponse,
  loadPubSubApi,
  type SchemaInfo,
  type TopicInfo,
} from '../../salesforce/pubsub/pubsub-api.js'
import type { SObjectDescribe } from '../../salesforce/salesforce-types.js'
import type { ChangeEvent } from '../org/change-event-log.js'
import type { InMemoryOrg } from '../org/in-memory-org.js'
import {
  buildChangeEventSchema,
  type ChangeEventSchema,
  type EncodedChangeEvent,
  encodeChangeEvent,
} from './change-event-schema.js'
import { replayBytes, replayNumber } from './pubsub-replay-id.js'
import { selfSignedCertificate } from './self-signed-certificate.js'

/**
 * A failure the emulator's Pub/Sub endpoint can be told to answer, as Salesforce does:
 * `unavailable` (UNAVAILABLE, `sfdc.platform.eventbus.grpc.service.unavailable`),
 * `corrupted-replay-id` (INVALID_ARGUMENT, `…subscription.fetch.replayid.corrupted`), `auth-error`
 * (UNAUTHENTICATED, `…service.auth.error`), `stream-reset` (UNAVAILABLE `RST_STREAM closed
 * stream`, no error code).
 */
export type PubSubFault = 'unavailable' | 'corrupted-replay-id' | 'auth-error' | 'stream-reset'

/** What the emulator's Pub/Sub endpoint did, for assertions. */
export interface PubSubStats {
  /** Subscribe calls received. */
  readonly subscribes: number
  /** Subscribe streams open now and subscribed (their first request accepted). */
  readonly openStreams: number
  /** Events delivered in FetchResponses. */
  readonly delivered: number
  /**
   * The most events any one stream had requested and not yet received, as the client asked (before
   * the server's cap of 100): a client that asks for more than it can hold shows here.
   */
  readonly maxOutstanding: number
  /** Empty keepalive FetchResponses sent. */
  readonly keepalives: number
  /** GetSchema calls answered. */
  readonly schemaRequests: number
}

/** Options of {@link PubSubServer.start}. @internal */
export interface PubSubServerOptions {
  /** How long a stream with nothing to deliver waits before a keepalive. @default 270_000 */
  readonly keepaliveMs?: number
}

const MAX_REQUESTED = 100
const ERROR_CODES: Record<PubSubFault, { status: string; code?: string; details: string }> = {
  unavailable: {
    status: 'UNAVAILABLE',
    code: 'sfdc.platform.eventbus.grpc.service.unavailable',
    details: 'The service is unavailable. Try again later.',
  },
  'corrupted-replay-id': {
    status: 'INVALID_ARGUMENT',
    code: 'sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted',
    details: 'The Replay ID validation failed. Ensure that the Replay ID is valid.',
  },
  'auth-error': {
    status: 'UNAUTHENTICATED',
    code: 'sfdc.platform.eventbus.grpc.service.auth.error',
    details:
      'An authentication exception occurred. Provide valid authentication via metadata headers.',
  },
  'stream-reset': {
    status: 'UNAVAILABLE',
    details: 'RST_STREAM closed stream. HTTP/2 error code: INTERNAL_ERROR',
  },
}

interface Stream {
  readonly call: Grpc.ServerDuplexStream<FetchRequest, FetchResponse>
  topic: string | undefined
  /** Events requested and not yet delivered, capped at 100. */
  pending: number
  /** The same, as the client asked, uncapped. */
  asked: number
  readonly queue: ChangeEvent[]
  /** Replay id of the last event delivered (or the starting point). */
  position: Buffer
  lastSent: number
  unsubscribe: (() => void) | undefined
  timer: NodeJS.Timeout | undefined
  ended: boolean
}

/**
 * Salesforce's Pub/Sub API endpoint (gRPC over TLS) for the emulator, fed by the org's change-event
 * log like the CometD endpoint: `Subscribe` to `/data/<Object>ChangeEvent`, `/data/ChangeEvents` or
 * a custom channel (`InMemoryOrg.defineChangeChannel`) with LATEST, EARLIEST or CUSTOM replay (10-byte opaque replay ids, compared as bytes),
 * `num_requested` flow control capped at 100 outstanding, empty keepalive responses with the latest
 * replay id, `GetSchema` by schema id (every schema an event was written with stays available) and
 * `GetTopic`. Auth comes from the `accesstoken`, `instanceurl` and `tenantid` metadata; errors carry
 * Salesforce's `error-code` and `rpc-id` trailers. Each event is written with its object's schema
 * as it was when the event was published (Avro bytes made on first delivery), so a backlog can
 * carry older schema ids. @internal
 */
export class PubSubServer {
  readonly endpoint: string
  readonly certificate: string
  private readonly server: Grpc.Server
  private readonly grpc: typeof Grpc
  private readonly org: InMemoryOrg
  private readonly kit: AvroKit
  private readonly keepaliveMs: number
  private readonly schemas = new Map<string, ChangeEventSchema>()
  private readonly schemaOf = new WeakMap<SObjectDescribe, ChangeEventSchema>()
  private readonly encoded = new WeakMap<ChangeEvent, EncodedChangeEvent>()
  private readonly writtenWith = new WeakMap<ChangeEvent, ChangeEventSchema>()
  private readonly streams = new Set<Stream>()
  private readonly faults: PubSubFault[] = []
  private readonly stopListening: () => void
  private counts = {
    subscribes: 0,
    delivered: 0,
    maxOutstanding: 0,
    keepalives: 0,
    schemaRequests: 0,
  }

  private constructor(parts: {
    server: Grpc.Server
    grpc: typeof Grpc
    org: InMemoryOrg
    kit: AvroKit
    port: number
    certificate: string
    keepaliveMs: number
  }) {
    this.server = parts.server
    this.grpc = parts.grpc
    this.org = parts.org
    this.kit = parts.kit
    this.keepaliveMs = parts.keepaliveMs
    this.endpoint = `127.0.0.1:${parts.port}`
    this.certificate = parts.certificate
    // The schema an event is written with is its object's at publish time; the bytes are made
    // when it is first delivered (most emulators never serve a Pub/Sub subscriber).
    this.stopListening = this.org.events.subscribeAll((event) => {
      if (event.channel.startsWith('/data/')) {
        const schema = this.currentSchema(event)
        if (schema) this.writtenWith.set(event, schema)
      }
    })
  }

  /** Starts the endpoint on a free port of 127.0.0.1 with a new self-signed certificate. */
  static async start(org: InMemoryOrg, options: PubSubServerOptions = {}): Promise<PubSubServer> {
    const [api, kit] = await Promise.all([loadPubSubApi(), loadAvro()])
    const { grpc } = api
    const tls = selfSignedCertificate()
    const server = new grpc.Server()
    let self: PubSubServer | undefined
    server.addService(api.service, {
      Subscribe: (call: Grpc.ServerDuplexStream<FetchRequest, FetchResponse>) =>
        self?.subscribe(call),
      GetSchema: (
        call: Grpc.ServerUnaryCall<{ schema_id?: string }, SchemaInfo>,
        callback: Grpc.sendUnaryData<SchemaInfo>,
      ) => self?.getSchema(call, callback),
      GetTopic: (
        call: Grpc.ServerUnaryCall<{ topic_name?: string }, TopicInfo>,
        callback: Grpc.sendUnaryData<TopicInfo>,
      ) => self?.getTopic(call, callback),
    })
    const credentials = grpc.ServerCredentials.createSsl(
      null,
      [{ private_key: Buffer.from(tls.privateKey), cert_chain: Buffer.from(tls.certificate) }],
      false,
    )
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', credentials, (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    )
    self = new PubSubServer({
      server,
      grpc,
      org,
      kit,
      port,
      certificate: tls.certificate,
      keepaliveMs: options.keepaliveMs ?? 270_000,
    })
    return self
  }

  get stats(): PubSubStats {
    const subscribed = [...this.streams].filter((s) => s.topic !== undefined).length
    return { ...this.counts, openStreams: subscribed }
  }

  /** The next `count` Subscribe calls fail with `fault` at their first request. */
  failSubscribes(fault: PubSubFault, count = 1): void {
    for (let i = 0; i < count; i += 1) this.faults.push(fault)
  }

  /** Ends every open Subscribe stream with `fault` now. */
  breakStreams(fault: PubSubFault): void {
    for (const stream of [...this.streams]) this.fail(stream, fault)
  }

  /** Closes every stream and stops listening. */
  async stop(): Promise<void> {
    this.stopListening()
    for (const stream of [...this.streams]) this.close(stream)
    await new Promise<void>((resolve) => {
      this.server.tryShutdown(() => resolve())
      setTimeout(() => {
        this.server.forceShutdown()
        resolve()
      }, 1_000).unref()
    })
  }

  private subscribe(call: Grpc.ServerDuplexStream<FetchRequest, FetchResponse>): void {
    this.counts.subscribes += 1
    const stream: Stream = {
      call,
      topic: undefined,
      pending: 0,
      asked: 0,
      queue: [],
      position: replayBytes(0),
      lastSent: Date.now(),
      unsubscribe: undefined,
      timer: undefined,
      ended: false,
    }
    this.streams.add(stream)
    call.on('data', (request: FetchRequest) => this.onRequest(stream, request))
    call.on('end', () => this.close(stream))
    call.on('cancelled', () => this.close(stream))
    call.on('error', () => this.close(stream))
    call.on('close', () => this.close(stream))
  }

  private onRequest(stream: Stream, request: FetchRequest): void {
    if (stream.ended) return
    if (stream.topic === undefined) {
      if (!this.start(stream, request)) return
    } else if (request.topic_name && request.topic_name !== stream.topic) {
      this.end(
        stream,
        'INVALID_ARGUMENT',
        'Topic name in FetchRequest differs from the subscribed topic',
        'sfdc.platform.eventbus.grpc.subscription.fetch.invalid.topic',
      )
      return
    }
    const requested = Math.max(0, request.num_requested ?? 0)
    stream.asked += requested
    this.counts.maxOutstanding = Math.max(this.counts.maxOutstanding, stream.asked)
    stream.pending = Math.min(MAX_REQUESTED, stream.pending + requested)
    this.flush(stream)
  }

  /** The first request: auth, faults, topic, replay; then live events. */
  private start(stream: Stream, request: FetchRequest): boolean {
    const fault = this.faults.shift()
    if (fault) {
      this.fail(stream, fault)
      return false
    }
    if (!this.authorised(stream.call.metadata)) {
      this.fail(stream, 'auth-error')
      return false
    }
    const topic = request.topic_name ?? ''
    if (!topic.startsWith('/data/') || !this.org.events.channelExists(topic)) {
      this.end(
        stream,
        'NOT_FOUND',
        `Topic ${topic} not found`,
        'sfdc.platform.eventbus.grpc.subscription.topic.not.found',
      )
      return false
    }
    const preset = request.replay_preset ?? 'LATEST'
    const log = this.org.events
    let backlog: ChangeEvent[] = []
    if (preset === 'CUSTOM' || preset === 2) {
      const after = Buffer.from(request.replay_id ?? [])
      const number = replayNumber(after)
      if (number === undefined || number < log.earliestRetainedReplayId - 1) {
        this.fail(stream, 'corrupted-replay-id')
        return false
      }
      if (number > log.latestReplayId) {
        this.end(
          stream,
          'INVALID_ARGUMENT',
          'The Replay ID validation failed.',
          'sfdc.platform.eventbus.grpc.subscription.fetch.replayid.validation.failed',
        )
        return false
      }
      backlog = log
        .replay(topic, -2)
        .filter((e) => Buffer.compare(replayBytes(e.replayId), after) > 0)
      stream.position = after
    } else if (preset === 'EARLIEST' || preset === 1) {
      backlog = log.replay(topic, -2)
      stream.position = replayBytes(log.earliestRetainedReplayId - 1)
    } else {
      stream.position = replayBytes(log.latestReplayId)
    }
    stream.topic = topic
    stream.queue.push(...backlog)
    stream.unsubscribe = log.subscribe(topic, (event) => {
      stream.queue.push(event)
      this.flush(stream)
    })
    stream.timer = setInterval(() => this.keepalive(stream), Math.min(this.keepaliveMs, 1_000))
    stream.timer.unref()
    return true
  }

  private flush(stream: Stream): void {
    while (!stream.ended && stream.pending > 0 && stream.queue.length > 0) {
      const batch = stream.queue.splice(0, stream.pending)
      const events = batch.flatMap((event) => {
        const encoded = this.encode(event)
        if (!encoded) return []
        return [
          {
            event: {
              id: encoded.id,
              schema_id: encoded.schemaId,
              payload: encoded.payload,
              headers: [],
            },
            replay_id: replayBytes(event.replayId),
          },
        ]
      })
      stream.pending -= batch.length
      stream.asked -= batch.length
      this.counts.delivered += batch.length
      stream.position = replayBytes(batch.at(-1)?.replayId ?? 0)
      stream.lastSent = Date.now()
      stream.call.write({
        events,
        latest_replay_id: stream.position,
        rpc_id: randomUUID(),
        pending_num_requested: stream.pending,
      })
    }
  }

  private keepalive(stream: Stream): void {
    if (stream.ended || Date.now() - stream.lastSent < this.keepaliveMs) return
    if (stream.queue.length === 0) stream.position = replayBytes(this.org.events.latestReplayId)
    stream.lastSent = Date.now()
    this.counts.keepalives += 1
    stream.call.write({
      events: [],
      latest_replay_id: stream.position,
      rpc_id: randomUUID(),
      pending_num_requested: stream.pending,
    })
  }

  private getSchema(
    call: Grpc.ServerUnaryCall<{ schema_id?: string }, SchemaInfo>,
    callback: Grpc.sendUnaryData<SchemaInfo>,
  ): void {
    this.counts.schemaRequests += 1
    if (!this.authorised(call.metadata)) {
      callback(this.status('auth-error'), null)
      return
    }
    const schema = this.schemas.get(call.request.schema_id ?? '')
    if (!schema) {
      callback(
        this.error(
          'NOT_FOUND',
          `Schema ${call.request.schema_id} not found`,
          'sfdc.platform.eventbus.grpc.schema.not.found',
        ),
        null,
      )
      return
    }
    callback(null, { schema_json: schema.json, schema_id: schema.id, rpc_id: randomUUID() })
  }

  private getTopic(
    call: Grpc.ServerUnaryCall<{ topic_name?: string }, TopicInfo>,
    callback: Grpc.sendUnaryData<TopicInfo>,
  ): void {
    if (!this.authorised(call.metadata)) {
      callback(this.status('auth-error'), null)
      return
    }
    const topic = call.request.topic_name ?? ''
    if (!topic.startsWith('/data/') || !this.org.events.channelExists(topic)) {
      callback(
        this.error(
          'NOT_FOUND',
          `Topic ${topic} not found`,
          'sfdc.platform.eventbus.grpc.topic.not.found',
        ),
        null,
      )
      return
    }
    const object = this.org
      .describeGlobal()
      .sobjects.find((o) => `/data/${o.name.replace(/__c$/, '__')}ChangeEvent` === topic)
    const schema = object ? this.schemaFor(this.org.describe(object.name)) : undefined
    callback(null, {
      topic_name: topic,
      tenant_guid: this.org.orgId,
      can_publish: false,
      can_subscribe: true,
      schema_id: schema?.id ?? '',
      rpc_id: randomUUID(),
    })
  }

  private authorised(metadata: Grpc.Metadata): boolean {
    const value = (key: string) => String(metadata.get(key)[0] ?? '')
    const tenant = value('tenantid')
    return (
      this.org.sessions.isValid(value('accesstoken')) &&
      value('instanceurl') !== '' &&
      // An 18-character id is its 15-character form plus a case-safe suffix: the org is the first 15.
      tenant.slice(0, 15) === this.org.orgId.slice(0, 15)
    )
  }

  /** The event's Avro form; `undefined` when its object is gone (no schema to write it with). */
  private encode(event: ChangeEvent): EncodedChangeEvent | undefined {
    let encoded = this.encoded.get(event)
    if (!encoded) {
      const payload = (event.data.payload ?? {}) as Parameters<typeof encodeChangeEvent>[1]
      const schema = this.writtenWith.get(event) ?? this.currentSchema(event)
      if (!schema) return undefined
      encoded = encodeChangeEvent(schema, payload)
      this.encoded.set(event, encoded)
    }
    return encoded
  }

  /** The schema of the event's object as it is now (`undefined` for an object no longer there). */
  private currentSchema(event: ChangeEvent): ChangeEventSchema | undefined {
    try {
      return this.schemaFor(this.org.describe(event.objectName ?? ''))
    } catch {
      return undefined
    }
  }

  private schemaFor(describe: SObjectDescribe): ChangeEventSchema {
    let schema = this.schemaOf.get(describe)
    if (!schema) {
      schema = buildChangeEventSchema(describe, this.kit)
      this.schemaOf.set(describe, schema)
      if (!this.schemas.has(schema.id)) this.schemas.set(schema.id, schema)
    }
    return schema
  }

  private fail(stream: Stream, fault: PubSubFault): void {
    const { status, code, details } = ERROR_CODES[fault]
    this.end(stream, status, details, code)
  }

  private end(stream: Stream, status: string, details: string, code?: string): void {
    if (stream.ended) return
    stream.call.emit('error', this.error(status, details, code))
    this.close(stream)
  }

  private status(fault: PubSubFault): Grpc.ServiceError {
    const { status, code, details } = ERROR_CODES[fault]
    return this.error(status, details, code)
  }

  private error(status: string, details: string, code?: string): Grpc.ServiceError {
    const metadata = new this.grpc.Metadata()
    const rpcId = randomUUID()
    if (code) metadata.set('error-code', code)
    metadata.set('rpc-id', rpcId)
    const grpcStatus = this.grpc.status[status as keyof typeof Grpc.status]
    return Object.assign(new Error(`${details} rpcId: ${rpcId}`), {
      code: grpcStatus,
      details: `${details} rpcId: ${rpcId}`,
      metadata,
    })
  }

  private close(stream: Stream): void {
    if (stream.ended) return
    stream.ended = true
    stream.unsubscribe?.()
    if (stream.timer) clearInterval(stream.timer)
    this.streams.delete(stream)
    stream.call.end()
  }
}
