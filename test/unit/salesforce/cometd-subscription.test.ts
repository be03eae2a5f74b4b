import { afterEach, describe, expect, it, vi } from 'vitest'
import { SalesforceApiError } from '../../../src/index.js'
import type { StreamingMessage } from '../../../src/salesforce/salesforce-adapter.js'
import type {
  BayeuxMessage,
  BayeuxRequest,
  BayeuxTransport,
} from '../../../src/salesforce/streaming/cometd-http-transport.js'
import { openCometdSubscription } from '../../../src/salesforce/streaming/cometd-subscription.js'
import type { CometdSubscriptionOptions } from '../../../src/salesforce/streaming/cometd-subscription-options.js'
import { waitFor } from '../../support/wait-for.js'

const CHANNEL = '/data/AccountChangeEvent'
type Answer = BayeuxMessage[] | 'hold' | Error

/**
 * A Bayeux server in memory: handshakes and subscribes succeed unless told otherwise, the
 * connect batched with a subscribe is answered at once, and each long poll is answered by
 * `longPoll(n)`: replies, `'hold'` (until the client aborts it), or an error thrown as the
 * network would.
 */
class FakeBayeux implements BayeuxTransport {
  readonly sent: BayeuxRequest[] = []
  closed = false
  handshake: (request: BayeuxRequest) => Partial<BayeuxMessage> = () => ({ successful: true })
  subscribe: (message: BayeuxMessage) => Partial<BayeuxMessage> = () => ({ successful: true })
  longPoll: (n: number) => Answer = () => 'hold'
  private polls = 0
  private clients = 0

  async send(request: BayeuxRequest): Promise<BayeuxMessage[]> {
    this.sent.push(request)
    const [first] = request.messages
    if (first?.channel === '/meta/handshake') {
      this.clients += 1
      return [
        { channel: '/meta/handshake', clientId: `c${this.clients}`, ...this.handshake(request) },
      ]
    }
    if (first?.channel === '/meta/disconnect') return [{ ...first, successful: true }]
    const subscribe = request.messages.find((m) => m.channel === '/meta/subscribe')
    if (subscribe)
      return [
        { channel: '/meta/connect', successful: true, advice: { timeout: 110_000 } },
        { channel: '/meta/subscribe', subscription: CHANNEL, ...this.subscribe(subscribe) },
      ]
    this.polls += 1
    const answer = this.longPoll(this.polls)
    if (answer instanceof Error) throw answer
    if (answer !== 'hold') return answer
    return new Promise((_, reject) => {
      const signal = request.signal
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true })
    })
  }

  async close(): Promise<void> {
    this.closed = true
  }

  /** The requests whose first message is on `channel`. */
  requests(channel: string): BayeuxRequest[] {
    return this.sent.filter((r) => r.messages.some((m) => m.channel === channel))
  }
}

function event(replayId: number): BayeuxMessage {
  return { channel: CHANNEL, data: { event: { replayId }, payload: { Name: `#${replayId}` } } }
}

const connected: BayeuxMessage = {
  channel: '/meta/connect',
  successful: true,
  advice: { reconnect: 'retry', interval: 0, timeout: 110_000 },
}

function networkError(): SalesforceApiError {
  return new SalesforceApiError('fetch failed', { errorCode: 'ECONNREFUSED' })
}

function options(
  transport: FakeBayeux,
  extra: Partial<CometdSubscriptionOptions> = {},
): CometdSubscriptionOptions {
  return {
    transport,
    accessToken: () => 'token-1',
    refreshSession: async () => {},
    retryMs: 100,
    maxRetryMs: 1_000,
    ...extra,
  }
}

afterEach(() => {
  vi.useRealTimers()
})

describe('the CometD subscription', () => {
  it('holds each long poll for the advised time plus a margin, and close() ends it cleanly', async () => {
    const transport = new FakeBayeux()
    const reconnecting: Error[] = []
    const subscription = await openCometdSubscription(options(transport), {
      channel: CHANNEL,
      onMessage: () => {},
      onReconnecting: (reason) => reconnecting.push(reason),
    })
    await waitFor(() => transport.requests('/meta/connect').length === 2)
    const [, poll] = transport.requests('/meta/connect')
    expect(poll?.timeoutMs).toBe(120_000)
    await subscription.close()
    const disconnect = transport.requests('/meta/disconnect')
    expect(disconnect).toHaveLength(1)
    expect(disconnect[0]?.timeoutMs).toBe(2_000)
    expect(disconnect[0]?.messages[0]?.clientId).toBe('c1')
    expect(transport.closed).toBe(true)
    expect(reconnecting).toEqual([])
    await subscription.close() // idempotent
    expect(transport.requests('/meta/disconnect')).toHaveLength(1)
  })

  it('delivers events, and after the server drops the client resubscribes from the last replay id', async () => {
    const transport = new FakeBayeux()
    transport.longPoll = (n) =>
      n === 1
        ? [event(5), event(6), connected]
        : n === 2
          ? [
              {
                channel: '/meta/connect',
                successful: false,
                error: '403::Unknown client',
                advice: { reconnect: 'handshake', interval: 0 },
              },
            ]
          : 'hold'
    const seen: StreamingMessage[] = []
    let connects = 0
    const reconnecting: Error[] = []
    const subscription = await openCometdSubscription(options(transport), {
      channel: CHANNEL,
      replayId: 3,
      onMessage: (m) => seen.push(m),
      onConnect: () => {
        connects += 1
      },
      onReconnecting: (reason) => reconnecting.push(reason),
    })
    await waitFor(() => connects === 2)
    expect(seen.map((m) => m.replayId)).toEqual([5, 6])
    expect(subscription.lastReplayId).toBe(6)
    const replays = transport
      .requests('/meta/subscribe')
      .map((r) => r.messages.find((m) => m.channel === '/meta/subscribe')?.ext?.replay)
    expect(replays).toEqual([{ [CHANNEL]: 3 }, { [CHANNEL]: 6 }])
    expect(reconnecting).toEqual([
      expect.objectContaining({ errorCode: 'STREAMING_CLIENT_DROPPED' }),
    ])
    await subscription.close()
  })

  it('backs off from retryMs doubling to maxRetryMs while the network is down, and close() stops it', async () => {
    vi.useFakeTimers()
    const transport = new FakeBayeux()
    let down = false
    transport.longPoll = () => networkError()
    const handshakeTimes: number[] = []
    transport.handshake = () => {
      handshakeTimes.push(Date.now())
      if (down) throw networkError()
      down = true
      return { successful: true }
    }
    const reconnecting: Error[] = []
    const subscription = await openCometdSubscription(options(transport), {
      channel: CHANNEL,
      onMessage: () => {},
      onReconnecting: (reason) => reconnecting.push(reason),
    })
    await vi.advanceTimersByTimeAsync(5_000)
    const gaps = handshakeTimes.slice(1).map((t, i) => t - (handshakeTimes[i] ?? 0))
    expect(gaps.slice(0, 6)).toEqual([100, 200, 400, 800, 1_000, 1_000])
    expect(reconnecting).toHaveLength(1)
    await subscription.close()
    const attempts = handshakeTimes.length
    await vi.advanceTimersByTimeAsync(10_000)
    expect(handshakeTimes).toHaveLength(attempts)
    expect(transport.closed).toBe(true)
  })

  it('refreshes the session when the handshake is refused with 401, and uses the new token', async () => {
    const transport = new FakeBayeux()
    let token = 'expired'
    transport.handshake = (request) =>
      request.accessToken === 'expired'
        ? {
            successful: false,
            error: '403::Handshake denied',
            advice: { reconnect: 'none' },
            ext: { sfdc: { failureReason: '401::Authentication invalid' } },
          }
        : { successful: true }
    const refreshes: number[] = []
    const before = Date.now()
    const subscription = await openCometdSubscription(
      options(transport, {
        accessToken: () => token,
        refreshSession: async (since) => {
          refreshes.push(since)
          token = 'fresh'
        },
      }),
      { channel: CHANNEL, onMessage: () => {} },
    )
    expect(refreshes).toHaveLength(1)
    expect(refreshes[0]).toBeGreaterThanOrEqual(before)
    expect(transport.requests('/meta/handshake').map((r) => r.accessToken)).toEqual([
      'expired',
      'fresh',
    ])
    expect(transport.requests('/meta/subscribe')[0]?.accessToken).toBe('fresh')
    await subscription.close()
  })

  it('rejects a refused replay id or channel at subscribe, and ends with onError when it happens later', async () => {
    const refusing = new FakeBayeux()
    refusing.subscribe = () => ({
      successful: false,
      error: '400::The replayId {99} you provided was invalid.',
    })
    await expect(
      openCometdSubscription(options(refusing), { channel: CHANNEL, onMessage: () => {} }),
    ).rejects.toMatchObject({ errorCode: 'INVALID_REPLAY_ID' })
    expect(refusing.closed).toBe(true)

    const transport = new FakeBayeux()
    let subscribes = 0
    transport.subscribe = () =>
      ++subscribes === 1
        ? { successful: true }
        : {
            successful: false,
            error: `400::The channel you requested to subscribe to does not exist {${CHANNEL}}`,
          }
    transport.longPoll = (n) => (n === 1 ? networkError() : 'hold')
    const errors: Error[] = []
    await openCometdSubscription(options(transport, { retryMs: 10 }), {
      channel: CHANNEL,
      onMessage: () => {},
      onError: (error) => errors.push(error),
    })
    await waitFor(() => transport.closed)
    expect(errors).toEqual([expect.objectContaining({ errorCode: 'NOT_FOUND' })])
  })
})
