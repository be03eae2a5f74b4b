import type { Connection } from 'jsforce'
import { SalesforceApiError } from '../../errors/salesforce-api-error.js'
import type { ResolvedAuth } from './jsforce-adapter-options.js'
import { toSalesforceApiError } from './jsforce-error.js'

/**
 * The session of a jsforce connection: whether jsforce can renew it (it has a refresh delegate:
 * refresh token + client id, username/password, client credentials, or an app's Connection with a
 * `refreshFn`), renewing it on request, and remembering when it expired for good, after which
 * every call fails at once with {@link sessionLostError} instead of reaching Salesforce. @internal
 */
export class JsforceSession {
  private readonly conn: Connection
  private readonly auth: ResolvedAuth['kind']
  private readonly lastRenewalError: () => SalesforceApiError | undefined
  private lost = false

  constructor(
    conn: Connection,
    auth: ResolvedAuth['kind'],
    lastRenewalError: () => SalesforceApiError | undefined = () => undefined,
  ) {
    this.conn = conn
    this.auth = auth
    this.lastRenewalError = lastRenewalError
  }

  /** Whether jsforce can get a new session when this one expires. */
  get canRefresh(): boolean {
    return this.conn._refreshDelegate !== undefined
  }

  /** Throws the permanent error once the session is lost. */
  assertUsable(): void {
    if (this.lost) throw sessionLostError(this.auth)
  }

  /**
   * Gets a session newer than `since` (for streaming, whose handshake was refused with 401).
   * Without a way to refresh, the session is lost for good.
   */
  async refresh(since: number): Promise<void> {
    const delegate = this.conn._refreshDelegate
    if (!delegate) {
      this.lost = true
      throw sessionLostError(this.auth)
    }
    try {
      await delegate.refresh(since)
    } catch (error) {
      const renewal = this.lastRenewalError()
      if (renewal) throw renewal
      throw new SalesforceApiError(
        `Refreshing the Salesforce session failed: ${(error as Error).message}`,
        { errorCode: 'SESSION_REFRESH_FAILED', retryable: true, cause: error },
      )
    }
  }

  /** jsforce's error → ours; `INVALID_SESSION_ID` without a way to refresh → permanent. */
  translate(error: unknown): SalesforceApiError {
    // jsforce keeps only the message of a failed renewal; the error itself says more.
    const renewal = this.lastRenewalError()
    if (renewal && /^Unable to refresh session/.test((error as Error | undefined)?.message ?? ''))
      return renewal
    const translated = toSalesforceApiError(error)
    if (translated.errorCode !== 'INVALID_SESSION_ID' || this.canRefresh) return translated
    this.lost = true
    return sessionLostError(this.auth, translated)
  }
}

/** The permanent error of a session that expired and that pgforce cannot renew. @internal */
export function sessionLostError(auth: ResolvedAuth['kind'], cause?: unknown): SalesforceApiError {
  const given =
    auth === 'connection'
      ? 'the jsforce Connection this adapter was given has no way to refresh it'
      : 'this connection was given an access token only, so it cannot log in again'
  return new SalesforceApiError(
    `The Salesforce session expired and ${given}: create the connection with a new accessToken, or with credentials pgforce can log in with again (JWT bearer, client credentials, a token provider, refresh token + clientId)`,
    { errorCode: 'INVALID_SESSION_ID', statusCode: 401, retryable: false, cause },
  )
}
