import type { BayeuxTransport } from './cometd-http-transport.js'

/** What `openCometdSubscription()` needs. @internal */
export interface CometdSubscriptionOptions {
  readonly transport: BayeuxTransport
  /** The current access token, read at every handshake, so a refreshed one is used. */
  accessToken(): string
  /**
   * Gets a session newer than `since` (the refused handshake's time); rejects, with
   * `retryable: false` when it never can, if it cannot.
   */
  refreshSession(since: number): Promise<void>
  /** Wait before the first reconnect attempt; it doubles per failed attempt up to `maxRetryMs`. */
  readonly retryMs: number
  /** @default 30_000 */
  readonly maxRetryMs?: number
  /** Bound of a handshake or subscribe request. @default 30_000 */
  readonly requestTimeoutMs?: number
  /** Bound of the `/meta/disconnect` that `close()` sends. @default 2_000 */
  readonly disconnectTimeoutMs?: number
}
