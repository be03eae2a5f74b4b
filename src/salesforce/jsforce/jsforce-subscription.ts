import type { Connection } from 'jsforce'
import type { StreamSubscription, SubscribeRequest } from '../salesforce-adapter.js'
import { CometdHttpTransport } from '../streaming/cometd-http-transport.js'
import { openCometdSubscription } from '../streaming/cometd-subscription.js'

/** What a subscription needs from the adapter. @internal */
export interface SubscriptionHost {
  readonly conn: Connection
  /** First reconnect delay (`streamingRetryMs`). */
  readonly retryMs: number
  /** The proxy for a URL, `undefined` for a direct connection. */
  proxyFor(url: string): string | undefined
  /** Makes jsforce refresh a session older than `since`; rejects when the auth cannot refresh. */
  refreshSession(since: number): Promise<void>
}

/**
 * A Streaming API subscription for a jsforce connection, over pgforce's own CometD client: the
 * endpoint and the access token are read from the connection at each handshake, so a session
 * jsforce refreshed (or a new instance URL) reaches streaming too. @internal
 */
export function subscribeWithJsforce(
  host: SubscriptionHost,
  request: SubscribeRequest,
): Promise<StreamSubscription> {
  const { conn } = host
  const transport = new CometdHttpTransport(
    () => `${conn.instanceUrl}/cometd/${conn.version}`,
    (url) => host.proxyFor(url),
  )
  return openCometdSubscription(
    {
      transport,
      accessToken: () => conn.accessToken ?? '',
      refreshSession: (since) => host.refreshSession(since),
      retryMs: host.retryMs,
    },
    request,
  )
}
