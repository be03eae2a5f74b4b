import { PgforceError, type PgforceErrorOptions } from './pgforce-error.js'
import { isRetryable } from './retry-policy.js'

/** Details carried by a {@link SalesforceApiError}. */
export interface SalesforceApiErrorDetails extends PgforceErrorOptions {
  /** Salesforce's error code, e.g. `REQUEST_LIMIT_EXCEEDED`, or `ERROR_HTTP_503` when none was sent. */
  readonly errorCode: string
  /** HTTP status of the response, when there was one. */
  readonly statusCode?: number | undefined
  /** Fields Salesforce named in the error, if any. */
  readonly fields?: readonly string[] | undefined
  /**
   * Whether trying the same request again later can succeed. Defaults to what the retry table
   * says of `errorCode` (see `isRetryable`); `false` marks the error permanent whatever its code,
   * e.g. an `INVALID_SESSION_ID` that no refresh can cure.
   */
  readonly retryable?: boolean | undefined
}

/**
 * An error answered by Salesforce (or by the network on the way to it), normalised from jsforce's
 * errors and from the in-memory org into one shape.
 */
export class SalesforceApiError extends PgforceError {
  /** Salesforce's error code, e.g. `INVALID_FIELD`, `REQUEST_LIMIT_EXCEEDED`, `ERROR_HTTP_503`. */
  readonly errorCode: string
  /** HTTP status, when the error came from an HTTP response. */
  readonly statusCode: number | undefined
  /** Fields Salesforce named in the error. */
  readonly fields: readonly string[]
  /** `true` when the same request may succeed later (rate limits, 5xx, lock contention, sockets). */
  readonly retryable: boolean
  /** @internal Explicitly not retryable, whatever the retry table says of the code. */
  readonly permanent: boolean

  constructor(message: string, details: SalesforceApiErrorDetails) {
    super('SALESFORCE_API', message, details)
    this.errorCode = details.errorCode
    this.statusCode = details.statusCode
    this.fields = details.fields ?? []
    this.permanent = details.retryable === false
    this.retryable =
      !this.permanent &&
      (details.retryable === true ||
        isRetryable({ errorCode: details.errorCode, cause: details.cause }))
  }
}
