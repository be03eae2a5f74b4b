import { SalesforceApiError } from '../../errors/salesforce-api-error.js'
import { toSalesforceApiError } from '../jsforce/jsforce-error.js'
import type { StreamSubscription, SubscribeRequest } from '../salesforce-adapter.js'
import type { BayeuxMessage } from './cometd-http-transport.js'
import type { CometdSubscriptionOptions } from './cometd-subscription-options.js'
import { connectError, failureReason, handshakeError, subscribeError } from './streaming-errors.js'

/** Salesforce holds a `/meta/connect` up to 110 s (its `advice.timeout`) until it sends one. */
const DEFAULT_LONG_POLL_MS = 110_000
/** How much longer than the server's hold the client waits for a long poll's answer. */
const LONG_POLL_MARGIN_MS = 10_000

/**
 * Subscribes to one Streaming API channel over Bayeux long polling (salesforce-wire.md §4) and
 * keeps the subscription alive: handshake (with `ext.replay`), subscribe with the last replay id
 * seen, then `/meta/connect` in a loop with the server's advised hold time. Whatever breaks it (the
 * server forgetting the client, the network, an expired session) leads to `onReconnecting`, a new
 * handshake, a refreshed session where the handshake says 401, and a new subscribe from the last
 * replay id, after a backoff doubling from `retryMs` to `maxRetryMs`; `onConnect` follows every
 * successful subscribe. A refused replay id or channel, or a session that cannot be refreshed, is
 * reported once through `onError` and ends the subscription. Resolves once subscribed; rejects
 * with the first failure. `close()` aborts the long poll, sends `/meta/disconnect` (bounded, errors
 * ignored) and leaves no timer, socket or pending promise. @internal
 */
export async function openCometdSubscription(
  options: CometdSubscriptionOptions,
  request: SubscribeRequest,
): Promise<StreamSubscription> {
  const subscription = new CometdSubscription(options, request)
  await subscription.start()
  return subscription
}

class CometdSubscription implements StreamSubscription {
  readonly channel: string
  private readonly options: CometdSubscriptionOptions
  private readonly request: SubscribeRequest
  private replayId: number
  private clientId: string | undefined
  private accessToken = ''
  private longPollMs = DEFAULT_LONG_POLL_MS
  private intervalMs = 0
  private messageId = 0
  private readonly stop = new AbortController()
  private wake: (() => void) | undefined
  private loop: Promise<void> | undefined
  private closing: Promise<void> | undefined

  constructor(options: CometdSubscriptionOptions, request: SubscribeRequest) {
    this.options = options
    this.request = request
    this.channel = request.channel
    this.replayId = request.replayId ?? -1
  }

  get lastReplayId(): number {
    return this.replayId
  }

  async start(): Promise<void> {
    try {
      await this.establish()
    } catch (error) {
      await this.close()
      throw toSalesforceApiError(error)
    }
    this.loop = this.run()
    queueMicrotask(() => this.notify(() => this.request.onConnect?.()))
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown()
    return this.closing
  }

  private get stopped(): boolean {
    return this.stop.signal.aborted
  }

  private async shutdown(): Promise<void> {
    this.stop.abort(new SalesforceApiError('The subscription is closed', { errorCode: 'ABORTED' }))
    this.wake?.()
    await this.loop
    const clientId = this.clientId
    this.clientId = undefined
    if (clientId) {
      await this.options.transport
        .send({
          messages: [{ channel: '/meta/disconnect', clientId, id: this.nextId() }],
          accessToken: this.accessToken,
          timeoutMs: this.options.disconnectTimeoutMs ?? 2_000,
        })
        .catch(() => {})
    }
    await this.options.transport.close()
  }

  /** Keeps the subscription alive until `close()` or a failure no reconnect can cure. */
  private async run(): Promise<void> {
    const maxRetryMs = this.options.maxRetryMs ?? 30_000
    let delay = this.options.retryMs
    let connected = true
    while (!this.stopped) {
      try {
        if (!connected) {
          await this.establish()
          connected = true
          delay = this.options.retryMs
          this.notify(() => this.request.onConnect?.())
        }
        await this.longPoll()
      } catch (caught) {
        if (this.stopped) return
        const error = toSalesforceApiError(caught)
        if (!error.retryable) {
          this.fail(error)
          return
        }
        const wasConnected = connected
        connected = false
        if (wasConnected) {
          this.notify(() => this.request.onReconnecting?.(error))
          // The server forgot the client and advises a new handshake: do it at once.
          if (error.errorCode === 'STREAMING_CLIENT_DROPPED') continue
        }
        await this.sleep(delay)
        delay = Math.min(delay * 2, maxRetryMs)
      }
    }
  }

  /** Handshake (refreshing the session once if it is refused with 401), then subscribe. */
  private async establish(): Promise<void> {
    this.clientId = undefined
    const since = Date.now()
    let handshake = await this.handshake()
    if (!handshake.successful && failureReason(handshake).startsWith('401')) {
      await this.options.refreshSession(since)
      handshake = await this.handshake()
    }
    if (!handshake.successful) throw handshakeError(handshake)
    this.clientId = handshake.clientId
    const replies = await this.send(
      [
        { ...this.meta('/meta/connect'), connectionType: 'long-polling', advice: { timeout: 0 } },
        {
          ...this.meta('/meta/subscribe'),
          subscription: this.channel,
          ext: { replay: { [this.channel]: this.replayId } },
        },
      ],
      this.options.requestTimeoutMs ?? 30_000,
    )
    const subscribed = replies.find((m) => m.channel === '/meta/subscribe')
    if (!subscribed?.successful) throw subscribeError(subscribed?.error ?? 'no subscribe reply')
    this.takeAdvice(replies.find((m) => m.channel === '/meta/connect'))
    this.deliver(replies)
  }

  private async handshake(): Promise<BayeuxMessage> {
    this.accessToken = this.options.accessToken()
    const replies = await this.send(
      [
        {
          channel: '/meta/handshake',
          id: this.nextId(),
          version: '1.0',
          minimumVersion: '1.0',
          supportedConnectionTypes: ['long-polling'],
          ext: { replay: true },
        },
      ],
      this.options.requestTimeoutMs ?? 30_000,
    ).catch((error: unknown) => {
      // Salesforce may refuse an expired session with HTTP 401 rather than a failed handshake.
      if (error instanceof SalesforceApiError && error.statusCode === 401)
        return [{ channel: '/meta/handshake', successful: false, error: '401::Unauthorized' }]
      throw error
    })
    const reply = replies.find((m) => m.channel === '/meta/handshake')
    return reply ?? { channel: '/meta/handshake', successful: false, error: 'no handshake reply' }
  }

  /** One `/meta/connect`, held by the server until events arrive or its hold time passes. */
  private async longPoll(): Promise<void> {
    const replies = await this.send(
      [{ ...this.meta('/meta/connect'), connectionType: 'long-polling' }],
      this.longPollMs + LONG_POLL_MARGIN_MS,
    )
    this.deliver(replies)
    const reply = replies.find((m) => m.channel === '/meta/connect')
    this.takeAdvice(reply)
    if (!reply?.successful) throw connectError(reply)
    if (this.intervalMs > 0) await this.sleep(this.intervalMs)
  }

  private deliver(replies: readonly BayeuxMessage[]): void {
    for (const message of replies) {
      if (message.channel.startsWith('/meta/') || !message.data) continue
      const event = message.data.event as { replayId?: unknown } | undefined
      if (typeof event?.replayId === 'number') this.replayId = event.replayId
      const delivered = { channel: this.channel, replayId: this.replayId, data: message.data }
      this.notify(() => this.request.onMessage(delivered))
    }
  }

  private takeAdvice(reply: BayeuxMessage | undefined): void {
    const advice = reply?.advice
    if (typeof advice?.timeout === 'number' && advice.timeout > 0) this.longPollMs = advice.timeout
    if (typeof advice?.interval === 'number') this.intervalMs = Math.max(0, advice.interval)
  }

  private fail(error: SalesforceApiError): void {
    this.notify(() => this.request.onError?.(error))
    void this.close()
  }

  private send(messages: BayeuxMessage[], timeoutMs: number): Promise<BayeuxMessage[]> {
    return this.options.transport.send({
      messages,
      accessToken: this.accessToken,
      timeoutMs,
      signal: this.stop.signal,
    })
  }

  private meta(channel: string): BayeuxMessage {
    return { channel, clientId: this.clientId, id: this.nextId() }
  }

  private nextId(): string {
    this.messageId += 1
    return String(this.messageId)
  }

  /** Waits `ms` (an unref'd timer) or until `close()`. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.wake = undefined
        resolve()
      }
      const timer = setTimeout(done, ms)
      timer.unref()
      this.wake = done
      if (this.stopped) done()
    })
  }

  /** Calls the app's handler; what it throws is its own business, not the connection's. */
  private notify(call: () => void): void {
    if (this.stopped) return
    try {
      call()
    } catch {}
  }
}
