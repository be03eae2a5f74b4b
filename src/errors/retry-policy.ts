/**
 * How long to wait before trying again after a retryable failure: exponential backoff between
 * `minDelayMs` and `maxDelayMs`, with full jitter.
 */
export interface RetryRule {
  readonly minDelayMs: number
  readonly maxDelayMs: number
}

/** Which failure a {@link RetryRule} applies to: a key of one of the three tables. */
export interface RetryTable {
  /** PostgreSQL SQLSTATEs, e.g. `40001`. */
  readonly sqlStates?: Readonly<Record<string, RetryRule>>
  /** Salesforce error codes, e.g. `REQUEST_LIMIT_EXCEEDED`, and jsforce's `ERROR_HTTP_<status>`. */
  readonly salesforceCodes?: Readonly<Record<string, RetryRule>>
  /** Node socket and DNS error codes, e.g. `ECONNRESET`. */
  readonly socketCodes?: Readonly<Record<string, RetryRule>>
}

const quick: RetryRule = { minDelayMs: 50, maxDelayMs: 5_000 }
const network: RetryRule = { minDelayMs: 250, maxDelayMs: 30_000 }
const slow: RetryRule = { minDelayMs: 1_000, maxDelayMs: 120_000 }
const limits: RetryRule = { minDelayMs: 30_000, maxDelayMs: 900_000 }

/**
 * The one table that decides what is retryable (docs/concepts/design.md §6, docs/reference/errors.md). Anything not listed is a permanent
 * failure: a rejected record is marked FAILED, a bad config is a `ConfigError`.
 */
export const DEFAULT_RETRY_TABLE: Required<RetryTable> = {
  sqlStates: {
    '40001': quick, // serialization_failure
    '40P01': quick, // deadlock_detected
    '55P03': quick, // lock_not_available
    '53300': network, // too_many_connections
    '57P01': network, // admin_shutdown
    '57P02': network, // crash_shutdown
    '57P03': slow, // cannot_connect_now
    '08000': network, // connection_exception
    '08001': network, // sqlclient_unable_to_establish_sqlconnection
    '08003': network, // connection_does_not_exist
    '08004': network, // sqlserver_rejected_establishment_of_sqlconnection
    '08006': network, // connection_failure
  },
  salesforceCodes: {
    REQUEST_LIMIT_EXCEEDED: limits,
    API_BUDGET_EXHAUSTED: limits, // pgforce's own daily budget (apiBudget)
    UNABLE_TO_LOCK_ROW: quick,
    SERVER_UNAVAILABLE: network,
    QUERY_TIMEOUT: network,
    INVALID_SESSION_ID: network, // retried once the session has been refreshed
    ERROR_HTTP_420: network,
    ERROR_HTTP_429: network,
    ERROR_HTTP_500: network,
    ERROR_HTTP_502: network,
    ERROR_HTTP_503: network,
    ERROR_HTTP_504: network,
  },
  socketCodes: {
    ECONNRESET: network,
    ECONNREFUSED: network,
    ECONNABORTED: network,
    ETIMEDOUT: network,
    EPIPE: network,
    ENOTFOUND: network,
    EAI_AGAIN: network,
    ENETDOWN: network,
    ENETUNREACH: network,
    EHOSTDOWN: network,
    EHOSTUNREACH: network,
    UND_ERR_SOCKET: network,
    UND_ERR_CONNECT_TIMEOUT: network,
    UND_ERR_HEADERS_TIMEOUT: network,
    UND_ERR_BODY_TIMEOUT: network,
  },
}

/**
 * Classifies errors as retryable or permanent with one table keyed by SQLSTATE, Salesforce error
 * code and socket error code. It walks the `cause` chain, so a wrapped error is classified by
 * whatever it wraps. Extend it with your own codes through the constructor.
 *
 * @example
 * ```ts
 * const policy = new RetryPolicy({ salesforceCodes: { MY_APEX_BUSY: { minDelayMs: 100, maxDelayMs: 10_000 } } })
 * policy.isRetryable(error) // true for MY_APEX_BUSY and everything in DEFAULT_RETRY_TABLE
 * ```
 */
export class RetryPolicy {
  private readonly table: Required<RetryTable>

  constructor(extra: RetryTable = {}) {
    this.table = {
      sqlStates: { ...DEFAULT_RETRY_TABLE.sqlStates, ...extra.sqlStates },
      salesforceCodes: { ...DEFAULT_RETRY_TABLE.salesforceCodes, ...extra.salesforceCodes },
      socketCodes: { ...DEFAULT_RETRY_TABLE.socketCodes, ...extra.socketCodes },
    }
  }

  /** The rule that applies to `error` (or to anything in its `cause` chain), if any. */
  ruleFor(error: unknown): RetryRule | undefined {
    const seen = new Set<unknown>()
    for (let current = error; current != null && !seen.has(current); ) {
      seen.add(current)
      const rule = this.ruleForOne(current)
      if (rule) return rule
      current = typeof current === 'object' ? (current as { cause?: unknown }).cause : undefined
    }
    return undefined
  }

  /** Whether `error` is worth retrying later. */
  isRetryable(error: unknown): boolean {
    return this.ruleFor(error) !== undefined
  }

  /**
   * Milliseconds to wait before attempt number `attempt` (1 = first retry), or `undefined` when
   * the error is not retryable. Exponential with full jitter; `random` is injectable for tests.
   */
  delayFor(
    error: unknown,
    attempt: number,
    random: () => number = Math.random,
  ): number | undefined {
    const rule = this.ruleFor(error)
    if (!rule) return undefined
    const ceiling = Math.min(rule.maxDelayMs, rule.minDelayMs * 2 ** Math.max(0, attempt - 1))
    return Math.round(rule.minDelayMs + (ceiling - rule.minDelayMs) * random())
  }

  private ruleForOne(error: unknown): RetryRule | undefined {
    if (typeof error !== 'object' || error === null) return undefined
    const fields = error as {
      errorCode?: unknown
      code?: unknown
      sqlState?: unknown
      permanent?: unknown
    }
    if (fields.permanent === true) return undefined
    for (const key of [fields.errorCode, fields.sqlState, fields.code]) {
      if (typeof key !== 'string') continue
      const rule =
        this.table.salesforceCodes[key] ?? this.table.sqlStates[key] ?? this.table.socketCodes[key]
      if (rule) return rule
    }
    return undefined
  }
}

const defaultPolicy = new RetryPolicy()

/** Whether `error` is retryable under {@link DEFAULT_RETRY_TABLE}. */
export function isRetryable(error: unknown): boolean {
  return defaultPolicy.isRetryable(error)
}
