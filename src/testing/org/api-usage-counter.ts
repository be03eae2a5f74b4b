import { SalesforceApiError } from '../../errors/salesforce-api-error.js'

/**
 * Counts API requests against the org's daily limit (`DailyApiRequests`). When the limit is spent,
 * requests fail with `REQUEST_LIMIT_EXCEEDED` (HTTP 403), as on a real org.
 */
export class ApiUsageCounter {
  private usedCount = 0
  private max: number

  constructor(limit: number) {
    this.max = limit
  }

  /** Requests counted today. */
  get used(): number {
    return this.usedCount
  }

  /** The daily limit. */
  get limit(): number {
    return this.max
  }

  /** Changes the daily limit. */
  setLimit(limit: number): void {
    this.max = limit
  }

  /** Starts a new day. */
  reset(): void {
    this.usedCount = 0
  }

  /** Counts one request, or throws `REQUEST_LIMIT_EXCEEDED` when the limit is spent. */
  charge(): void {
    if (this.usedCount >= this.max) {
      throw new SalesforceApiError('TotalRequests Limit exceeded.', {
        errorCode: 'REQUEST_LIMIT_EXCEEDED',
        statusCode: 403,
      })
    }
    this.usedCount += 1
  }
}
