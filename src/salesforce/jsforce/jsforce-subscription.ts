import type { Connection } from 'jsforce'
import { SalesforceApiError } from '../../errors/salesforce-api-error.js'
import type { StreamSubscription, SubscribeRequest } from '../salesforce-adapter.js'
import { toSalesforceApiError } from './jsforce-error.js'

interface FayeMessage {
  channel: string
  successful?: boolean
  error?: string
  subscription?: string
  data?: { event?: { replayId?: number } }
  ext?: Record<string, unknown>
  advice?: { reconnect?: string }
}

interface FayeClient {
  addExtension(extension: { incoming?: unknown; outgoing?: unknown }): void
  subscribe(
    channel: string,
    callback: (data: Record<string, unknown>) => void,
  ): PromiseLike<void> & { cancel(): void }
  disconnect(): void
  _dispatcher?: { retry?: number }
}

/** What a subscription needs from the adapter. @internal */
export interface SubscriptionHost {
  readonly conn: Connection
  readonly retryMs: number
  /** Makes jsforce refresh the session (a cheap REST call after a 401 does). */
  refreshSession(): Promise<void>
}

/**
 * A Streaming API subscription over jsforce's faye client, with the replay id kept by pgforce:
 * the subscribe carries the last replay id seen, so a re-handshake (after the server dropped the
 * client) resumes where it stopped; an expired session builds a new client with a refreshed token;
 * a refused replay id or channel is reported once through `onError` and ends the subscription.
 * @internal
 */
export async function subscribeWithJsforce(
  host: SubscriptionHost,
  request: SubscribeRequest,
): Promise<StreamSubscription> {
  let lastReplayId = request.replayId ?? -1
  let client: FayeClient | undefined
  let closed = false
  let connectedOnce = false
  let firstSubscribe: { resolve(): void; reject(error: Error): void } | undefined

  const fail = (error: Error) => {
    if (firstSubscribe) {
      firstSubscribe.reject(error)
      firstSubscribe = undefined
    } else request.onError?.(error)
    void close()
  }

  const extension = {
    outgoing(message: FayeMessage, callback: (m: FayeMessage) => void) {
      if (message.channel === '/meta/subscribe' && message.subscription === request.channel) {
        message.ext = { ...message.ext, replay: { [request.channel]: lastReplayId } }
      }
      callback(message)
    },
    incoming(message: FayeMessage, callback: (m: FayeMessage) => void) {
      const replayId = message.data?.event?.replayId
      if (message.channel === request.channel && typeof replayId === 'number')
        lastReplayId = replayId
      if (message.channel === '/meta/handshake' && message.successful === false) {
        const reason = String(
          (message.ext?.sfdc as { failureReason?: string } | undefined)?.failureReason ??
            message.error,
        )
        if (reason.startsWith('401'))
          void reopen(
            new SalesforceApiError(`Streaming session expired: ${reason}`, {
              errorCode: 'INVALID_SESSION_ID',
              statusCode: 401,
            }),
          )
      }
      if (
        message.channel === '/meta/connect' &&
        message.successful === false &&
        /Unknown client/.test(message.error ?? '')
      ) {
        request.onReconnecting?.(
          new SalesforceApiError(`Streaming client dropped by the server: ${message.error}`, {
            errorCode: 'STREAMING_CLIENT_DROPPED',
            retryable: true,
          }),
        )
      }
      if (message.channel === '/meta/subscribe' && message.subscription === request.channel) {
        if (message.successful) {
          firstSubscribe?.resolve()
          firstSubscribe = undefined
          if (connectedOnce) queueMicrotask(() => request.onConnect?.())
          connectedOnce = true
        } else fail(subscribeError(message.error ?? 'subscribe failed'))
      }
      callback(message)
    },
  }

  const open = () => {
    const created = host.conn.streaming.createClient([extension]) as unknown as FayeClient
    if (created._dispatcher) created._dispatcher.retry = host.retryMs / 1000
    client = created
    created.subscribe(request.channel, (data) => {
      const replayId = (data.event as { replayId?: number } | undefined)?.replayId ?? lastReplayId
      request.onMessage({ channel: request.channel, replayId, data })
    })
  }

  const reopen = async (reason: Error) => {
    if (closed) return
    request.onReconnecting?.(reason)
    client?.disconnect()
    try {
      await host.refreshSession()
      open()
    } catch (error) {
      fail(toSalesforceApiError(error))
    }
  }

  const close = async () => {
    if (closed) return
    closed = true
    client?.disconnect()
  }

  // Resolved by the first successful subscribe, whichever client (after a session refresh) makes it.
  await new Promise<void>((resolve, reject) => {
    firstSubscribe = { resolve, reject }
    open()
  })
  queueMicrotask(() => request.onConnect?.())
  return {
    channel: request.channel,
    get lastReplayId() {
      return lastReplayId
    },
    close,
  }
}

function subscribeError(error: string): SalesforceApiError {
  if (/replayId/i.test(error))
    return new SalesforceApiError(error.replace(/^\d+::/, ''), {
      errorCode: 'INVALID_REPLAY_ID',
      statusCode: 400,
    })
  if (/does not exist/i.test(error))
    return new SalesforceApiError(error.replace(/^\d+::/, ''), {
      errorCode: 'NOT_FOUND',
      statusCode: 400,
    })
  return new SalesforceApiError(error, { errorCode: 'STREAMING_ERROR', retryable: true })
}
