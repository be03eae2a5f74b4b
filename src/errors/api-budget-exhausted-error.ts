import { PgforceError } from './pgforce-error.js'

/**
 * A Salesforce call was refused because it would exceed a daily API budget (`apiBudget`). Nothing
 * was sent: a push leaves its entries NEW, a pull leaves its cursor, and both are retried later.
 */
export class ApiBudgetExhaustedError extends PgforceError {
  /** Matched by the retry table, like a Salesforce error code. */
  readonly errorCode = 'API_BUDGET_EXHAUSTED'

  constructor(message: string) {
    super('API_BUDGET_EXHAUSTED', message)
  }
}
