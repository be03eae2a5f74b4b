export { ApiBudgetExhaustedError } from './api-budget-exhausted-error.js'
export { ConfigError, type ConfigProblem } from './config-error.js'
export { EngineStateError } from './engine-state-error.js'
export { PgforceError, type PgforceErrorCode, type PgforceErrorOptions } from './pgforce-error.js'
export { PostgresError, type PostgresErrorDetails } from './postgres-error.js'
export {
  DEFAULT_RETRY_TABLE,
  isRetryable,
  RetryPolicy,
  type RetryRule,
  type RetryTable,
} from './retry-policy.js'
export { SalesforceApiError, type SalesforceApiErrorDetails } from './salesforce-api-error.js'
export { WriteStrategyError } from './write-strategy-error.js'
