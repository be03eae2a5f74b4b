/**
 * Every code a {@link PgforceError} can carry. Match on `error.code` rather than on messages:
 * codes are part of the public API and only ever grow.
 */
export type PgforceErrorCode =
  | 'CONFIG_INVALID'
  | 'SALESFORCE_API'
  | 'POSTGRES'
  | 'ENGINE_STATE'
  | 'TIMEOUT'
  | 'ABORTED'
  | 'API_BUDGET_EXHAUSTED'
  | 'WRITE_STRATEGY'

/** Options shared by every pgforce error constructor. */
export interface PgforceErrorOptions {
  /** The underlying error, kept as the standard ES2022 `cause`. */
  readonly cause?: unknown
}

/**
 * Base class of every error pgforce throws or emits. Each subclass sets `name` to its class name
 * and a stable {@link PgforceErrorCode} in `code`, so callers can branch without string matching.
 *
 * @example
 * ```ts
 * try {
 *   await engine.start()
 * } catch (error) {
 *   if (error instanceof PgforceError && error.code === 'CONFIG_INVALID') console.error(error.message)
 * }
 * ```
 */
export class PgforceError extends Error {
  /** Stable machine-readable code; see {@link PgforceErrorCode}. */
  readonly code: PgforceErrorCode

  constructor(code: PgforceErrorCode, message: string, options: PgforceErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.name = new.target.name
  }
}
