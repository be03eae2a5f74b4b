import type { RecordError } from '../../salesforce/salesforce-types.js'

/** An HTTP-level fault: the next `count` requests matching answer `status` and `body`. */
export interface RequestFaultRule {
  /** HTTP method to match (any when omitted). */
  readonly method?: string
  /** A string the path must contain, or a RegExp it must match (any when omitted). */
  readonly path?: string | RegExp
  /** How many matching requests fail. @default 1 */
  readonly count?: number
  readonly status: number
  /** Response body; default: Salesforce's error array for the status. */
  readonly body?: unknown
  readonly headers?: Readonly<Record<string, string>>
}

/** A record-level fault: the next `count` matching records fail with `statusCode`. */
export interface RecordFaultRule {
  readonly objectName?: string
  readonly operation?: 'create' | 'update' | 'upsert' | 'delete'
  /** @default 1 */
  readonly count?: number
  readonly statusCode: string
  readonly message?: string
}

/** What a matched request fault answers. */
export interface RequestFault {
  readonly status: number
  readonly body: unknown
  readonly headers: Readonly<Record<string, string>>
}

const DEFAULT_BODIES: Record<number, unknown> = {
  401: [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }],
  403: [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }],
  404: [{ message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' }],
  500: [{ message: 'An unexpected error occurred.', errorCode: 'UNKNOWN_EXCEPTION' }],
  503: [{ message: 'Server is temporarily unavailable.', errorCode: 'SERVER_UNAVAILABLE' }],
}

/**
 * Fault injection for tests: failing requests (by method and path, for both the HTTP emulator and
 * the in-memory adapter, which use the same REST paths), failing records (e.g.
 * `UNABLE_TO_LOCK_ROW`), and added latency.
 *
 * @example
 * ```ts
 * org.faults.failRequests({ method: 'GET', path: '/query', status: 503, count: 2 })
 * org.faults.failRecords({ objectName: 'Account', statusCode: 'UNABLE_TO_LOCK_ROW', count: 1 })
 * org.faults.setLatency(50)
 * ```
 */
export class FaultInjector {
  private requestRules: (RequestFaultRule & { remaining: number })[] = []
  private recordRules: (RecordFaultRule & { remaining: number })[] = []
  private latency = 0
  private bulkQueryPolls = 0

  /** Makes the next matching requests fail. */
  failRequests(rule: RequestFaultRule): void {
    this.requestRules.push({ ...rule, remaining: rule.count ?? 1 })
  }

  /** Makes the next matching records fail with a record-level error. */
  failRecords(rule: RecordFaultRule): void {
    this.recordRules.push({ ...rule, remaining: rule.count ?? 1 })
  }

  /** Adds `ms` of latency to every request. */
  setLatency(ms: number): void {
    this.latency = ms
  }

  /** The added latency, in ms. */
  get latencyMs(): number {
    return this.latency
  }

  /**
   * Makes Bulk 2.0 query jobs created from now on answer `InProgress` to their first `polls`
   * status requests, as a real org does while it runs a job.
   */
  slowBulkQueries(polls: number): void {
    this.bulkQueryPolls = polls
  }

  /** Status requests a new Bulk 2.0 query job answers `InProgress` to. */
  get bulkQueryPollsInProgress(): number {
    return this.bulkQueryPolls
  }

  /** Consumes and returns the fault for a request, if one matches. */
  takeRequestFault(method: string, path: string): RequestFault | undefined {
    const rule = this.requestRules.find(
      (r) =>
        r.remaining > 0 &&
        (!r.method || r.method.toUpperCase() === method.toUpperCase()) &&
        (!r.path || (typeof r.path === 'string' ? path.includes(r.path) : r.path.test(path))),
    )
    if (!rule) return undefined
    rule.remaining -= 1
    this.requestRules = this.requestRules.filter((r) => r.remaining > 0)
    return {
      status: rule.status,
      body: rule.body ??
        DEFAULT_BODIES[rule.status] ?? [
          { message: `HTTP ${rule.status}`, errorCode: `ERROR_HTTP_${rule.status}` },
        ],
      headers: rule.headers ?? {},
    }
  }

  /** Consumes and returns a record-level fault for one record, if one matches. */
  takeRecordFault(objectName: string, operation: string): RecordError | undefined {
    const rule = this.recordRules.find(
      (r) =>
        r.remaining > 0 &&
        (!r.objectName || r.objectName.toLowerCase() === objectName.toLowerCase()) &&
        (!r.operation || r.operation === operation),
    )
    if (!rule) return undefined
    rule.remaining -= 1
    this.recordRules = this.recordRules.filter((r) => r.remaining > 0)
    return {
      statusCode: rule.statusCode,
      message: rule.message ?? defaultMessage(rule.statusCode),
      fields: [],
    }
  }

  /** Removes every pending fault, the latency and slow Bulk 2.0 query jobs. */
  clear(): void {
    this.requestRules = []
    this.recordRules = []
    this.latency = 0
    this.bulkQueryPolls = 0
  }
}

function defaultMessage(statusCode: string): string {
  return statusCode === 'UNABLE_TO_LOCK_ROW'
    ? 'unable to obtain exclusive access to this record or 1 records'
    : `${statusCode.toLowerCase().replace(/_/g, ' ')}`
}
